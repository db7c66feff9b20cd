/**
 * Templates that only print columns are written without LiquidJS (plain-template.ts). For every such template and
 * row, the text must be LiquidJS's own, byte for byte, in both engines; where LiquidJS fails (an unknown name, the
 * memory limit), the plain path must give way to it.
 */
import { engines, type Engine } from '../../src/campaign/liquid-engines.js';
import { plainRenderer } from '../../src/campaign/plain-template.js';

const plainTemplates = [
  '',
  'no tags at all',
  'Hello {{ name }}, {{name}}!',
  'a {{- name -}} b\n  {{- name }}  \n',
  '{{ row.name }} {{ row["E-mail Address"] }} {{ row[\'name\'] }}',
  '{{ size }} {{ first }} {{ last }}',
  '{{ row.size }} {{ row.first }}',
  '{{ row }}',
  '{{ row.row }}',
  '{{ constructor }} {{ toString }}',
  '{{ missing }}',
  '{{ a-b }}',
  '<p title="{{ name }}">{{ marks }}</p>',
];
const liquidTemplates = [
  '{{ name | upcase }}',
  '{{ name | raw }}',
  '{{ name | escape }}',
  '{% if name %}x{% endif %}',
  '{{ "literal" }}',
  '{{ 5 }}',
  '{{ name.size }}',
  '{{ row[0] }}',
  '{{ row.name.first }}',
  '{% assign name = "x" %}{{ name }}',
];
const rows: Record<string, string>[] = [
  {
    name: 'Ann & <Bob> "quoted" it\'s',
    'E-mail Address': 'ann@example.com',
    size: 'big',
    first: 'F',
    last: 'L',
    'a-b': 'hy',
    marks: 'a\u0001b\u001fc\u0002d\u001d\u001e',
  },
  { name: '', 'E-mail Address': '', marks: '' },
  { name: 'Zoë — 日本', row: 'a column named row', size: '', constructor: 'c', toString: 't', missing: 'here' },
];

function liquid(engine: Engine, template: string, fields: Record<string, string>): string | Error {
  try {
    return engines[engine].renderSync(engines[engine].parse(template), { row: fields, ...fields }) as string;
  } catch (error) {
    return error as Error;
  }
}

function plain(engine: Engine, template: string) {
  return plainRenderer(engines[engine], engines[engine].parse(template));
}

describe.each(['html', 'text'] as const)('plain templates, %s engine', (engine) => {
  test.each(plainTemplates)('%j: written as LiquidJS writes it, or left to LiquidJS (undefined)', (template) => {
    const render = plain(engine, template);
    expect(render).toBeDefined();
    for (const fields of rows) {
      const expected = liquid(engine, template, fields);
      const written = render!(fields);
      // where LiquidJS fails, the plain path must not write anything
      if (written !== undefined || expected instanceof Error) expect(written).toBe(expected instanceof Error ? undefined : expected);
    }
  });

  test('columns that are there are written without LiquidJS, escaped as it escapes them', () => {
    const template = '<b>{{ name }}</b> {{ row.name }} {{ row["E-mail Address"] }} {{ marks }}';
    const written = plain(engine, template)!(rows[0]);
    expect(written).toBeDefined();
    expect(written).toBe(liquid(engine, template, rows[0]));
    expect(written).toContain(engine === 'html' ? 'Ann &amp; &lt;Bob&gt; &#34;quoted&#34; it&#39;s' : 'Ann & <Bob> "quoted" it\'s');
  });

  test.each(liquidTemplates)('%j: filters, tags and other values are left to LiquidJS', (template) => {
    expect(plain(engine, template)).toBeUndefined();
  });
});

describe('the memory limit', () => {
  const big = (length: number) => ({ name: '&'.repeat(length) });

  test('html: a 4 MB value is charged twice (read by the escape, then written at 5 bytes a character): LiquidJS fails, so does the plain path', () => {
    expect(liquid('html', '{{ name }}', big(4_000_000))).toBeInstanceOf(Error);
    expect(plain('html', '{{ name }}')!(big(4_000_000))).toBeUndefined();
    expect(plain('html', '{{ name }}')!(big(1_000_000))).toBe(liquid('html', '{{ name }}', big(1_000_000)));
  });

  test('text: up to the limit is written, past it LiquidJS fails and the plain path gives way', () => {
    const fits = { name: 'x'.repeat(9_999_990) };
    expect(plain('text', '0123456789{{ name }}')!(fits)).toBe(liquid('text', '0123456789{{ name }}', fits));
    const over = { name: 'x'.repeat(9_999_991) };
    expect(liquid('text', '0123456789{{ name }}', over)).toBeInstanceOf(Error);
    expect(plain('text', '0123456789{{ name }}')!(over)).toBeUndefined();
  });
});
