/** HTML or SVG text that is safe to insert as is: built by `html`, never from raw input. */
export class Markup {
  constructor(readonly text: string) {}
}

type Value = Markup | string | number | undefined | false | readonly Value[];

/**
 * Tagged template for the HTML report. Every interpolated value is escaped unless it is Markup, so a
 * recipient address or server reply like `<script>…` can only ever become text; arrays are joined,
 * `undefined` and `false` render as nothing. Attribute values must be written in double quotes.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): Markup {
  let text = strings[0];
  values.forEach((value, index) => {
    text += render(value) + strings[index + 1];
  });
  return new Markup(text);
}

function render(value: Value): string {
  if (value === undefined || value === false) return '';
  if (value instanceof Markup) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return String(value).replace(/[&<>"']/g, (character) => entities[character]);
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
