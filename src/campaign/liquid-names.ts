/**
 * Column names a template cannot reach by name. Liquid reads `empty`, `blank`, `nil`, `null`, `true` and
 * `false` as its own literals, never as variables: `{{ empty }}` would print nothing, whatever the column
 * holds. Every column is also in the `row` object, where any name works: `{{ row.empty }}`,
 * `{{ row["E-mail Address"] }}`.
 */
const literals = new Set(['empty', 'blank', 'nil', 'null', 'true', 'false']);
const liquidTag = /\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g;
const quoted = /"[^"]*"|'[^']*'/g;

/** The first bare use of a column named like a Liquid literal in `source`: the column and where it is. */
export function literalColumnUse(source: string, columns: string[]): { column: string; index: number } | undefined {
  const named = columns.filter((column) => literals.has(column));
  if (!named.length) return undefined;
  for (const tag of source.matchAll(liquidTag)) {
    const code = tag[0].replace(quoted, (text) => ' '.repeat(text.length));
    for (const column of named) {
      // Not after "." (row.empty) nor inside a longer name (empty_list).
      if (new RegExp(`(^|[^\\w.-])${column}(?![\\w-])`).test(code)) return { column, index: tag.index };
    }
  }
  return undefined;
}

export function literalColumnAdvice(column: string, csvFile: string): string {
  return `Liquid reads "${column}" as its own word, not as the column "${column}" of ${csvFile}: write {{ row.${column} }} for the column`;
}
