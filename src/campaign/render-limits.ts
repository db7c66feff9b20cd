import { toValue, type Context, type Emitter, type Liquid, type Template } from 'liquidjs';

/**
 * LiquidJS charges its memory limit in filters (append, join …) and ranges, but not for what a
 * template writes: `{% capture a %}{{ a }}{{ a }}{% endcapture %}` doubles a string per line for free
 * (64 MB in under 3 s), and so does a loop that prints a long value. Here every piece of text a
 * render writes — at the top level and inside capture or any other block — is charged to the same
 * per-render memory limit, so the limit bounds the total output of each render whatever the tag.
 */
export function chargeOutput(engine: Liquid): void {
  const renderer = engine.renderer;
  const renderTemplates = renderer.renderTemplates.bind(renderer);
  // A block that passes its parent's emitter on (for, if) is charged there; one without (capture, the whole render) gets its own.
  renderer.renderTemplates = (templates: Template[], ctx: Context, emitter?: Emitter) =>
    renderTemplates(templates, ctx, emitter ?? new ChargedEmitter(ctx));
}

class ChargedEmitter implements Emitter {
  buffer = '';

  constructor(private readonly ctx: Context) {}

  write(html: unknown): void {
    const text = stringify(html);
    this.ctx.memoryLimit.use(text.length);
    this.buffer += text;
  }
}

/** As LiquidJS's own emitter turns a value into text. */
function stringify(value: unknown): string {
  const plain = toValue(value) as unknown;
  if (typeof plain === 'string') return plain;
  if (plain === null || plain === undefined) return '';
  if (Array.isArray(plain)) return plain.map(stringify).join('');
  return String(plain);
}
