import { Output, toValueSync, TypeGuards, type Context, type Liquid, type Template } from 'liquidjs';

/** What a plain template writes for one row, or undefined where only LiquidJS can say (an unknown name, past the memory limit). */
export type PlainRender = (fields: Record<string, string>) => string | undefined;

/** A column's value: `{{ name }}` is ['name'], `{{ row.name }}` and `{{ row["E-mail"] }}` are ['row', name]. */
type Piece = string | { path: string[] };

type OutputEscape = (this: { context: { memoryLimit: { use(count: number): void } } }, value: string) => string;

/**
 * A template made only of text and bare column outputs (`{{ name }}`, `{{ row.name }}`, no filters) is written by
 * concatenation: the same text LiquidJS writes, escaped by the engine's own output escape and charged to the same
 * memory limit, without its per-render context and generators (about a tenth of a message's CPU). Any other
 * template, tags or filters, is left to LiquidJS: undefined. LiquidJS's render time limit is not checked: this is
 * one pass over a template and an output that its parse and memory limits bound (64 ms at both limits), where
 * LiquidJS can take a second on a busy machine and then fail.
 */
export function plainRenderer(engine: Liquid, parsed: Template[]): PlainRender | undefined {
  const pieces: Piece[] = [];
  for (const node of parsed) {
    const piece = TypeGuards.isHTMLToken(node.token) ? literalOf(node) : columnOf(node);
    if (piece === undefined) return undefined;
    pieces.push(piece);
  }
  const escape = engine.options.outputEscape as unknown as OutputEscape;
  const limit = engine.options.memoryLimit;
  return (fields) => {
    let output = '';
    let charged = 0;
    const filter = { context: { memoryLimit: { use: (count: number) => void (charged += count) } } };
    for (const piece of pieces) {
      if (typeof piece === 'string') {
        output += piece;
        continue;
      }
      const value = columnValue(fields, piece.path);
      if (value === undefined) return undefined;
      output += escape.call(filter, value);
    }
    // LiquidJS charges what is written, and what its escape reads
    return charged + output.length <= limit ? output : undefined;
  };
}

/** As LiquidJS looks the name up in `{ row: fields, ...fields }`; undefined for anything but a column's text. */
function columnValue(fields: Record<string, string>, path: string[]): string | undefined {
  const [first, second] = path;
  const owner = second === undefined ? fields : first === 'row' && !Object.hasOwn(fields, 'row') ? fields : undefined;
  const name = second ?? first;
  const value = owner && Object.hasOwn(owner, name) ? owner[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** The text of an HTML node (whitespace control already applied at parse), as it writes it. */
function literalOf(node: Template): string {
  let text = '';
  toValueSync(node.render(undefined as unknown as Context, { buffer: '', write: (html: unknown) => void (text += String(html)) }));
  return text;
}

/** An output of one column with no filter of the user's: LiquidJS appends the output escape as a filter named "[object Function]". */
function columnOf(node: Template): { path: string[] } | undefined {
  if (!(node instanceof Output)) return undefined;
  const { initial, filters } = node.value;
  if (filters.length !== 1 || filters[0].args.length || !filters[0].name.startsWith('[object ')) return undefined;
  const [token] = initial.postfix;
  if (initial.postfix.length !== 1 || !TypeGuards.isPropertyAccessToken(token) || token.variable) return undefined;
  const path = token.props.map((prop) => (TypeGuards.isWordToken(prop) || TypeGuards.isQuotedToken(prop) ? prop.content : undefined));
  if (path.some((name) => typeof name !== 'string')) return undefined;
  if (path.length === 1 || (path.length === 2 && path[0] === 'row')) return { path: path as string[] };
  return undefined;
}
