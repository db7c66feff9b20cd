/**
 * The advice for a template variable that is not a column: a column whose name has a space ("First
 * Name") cannot be written as `{{ First Name }}` (that is two variables), only as `{{ ["First Name"] }}`.
 */
export function unknownVariableAdvice(variable: string, columns: string[]): string {
  const spaced = columns.find((column) => /\s/.test(column) && column.split(/\s+/).includes(variable));
  if (spaced) return `the column "${spaced}" has a space in its name: write it as {{ row["${spaced}"] }}`;
  return 'add the column or fix the template';
}
