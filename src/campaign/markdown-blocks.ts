/**
 * A Liquid block ({% for %}, {% if %} …) whose tags sit in different Markdown blocks (a loop around list
 * items) repeats or leaves out HTML that is not whole: `<li>…</p>`, lists inside lists. Found in the HTML
 * Markdown made, where each Liquid tag is still a placeholder word: the HTML between a block's opening and
 * closing tags must close only what it opens again, in the same order (`</p><p>` is fine, `</p><ul><li>` is not).
 */
const blockNames = new Set(['for', 'if', 'unless', 'case', 'capture', 'tablerow']);
const voidElements = new Set(['br', 'hr', 'img', 'input', 'meta', 'link', 'wbr', 'col', 'area', 'base', 'source', 'track', 'embed']);

/** The opening tag of the first block that spans Markdown blocks, or undefined. */
export function blockAcrossMarkdownBlocks(html: string, tags: string[], placeholders: RegExp): string | undefined {
  const open: { tag: string; end: number }[] = [];
  for (const match of html.matchAll(new RegExp(placeholders.source, 'g'))) {
    const tag = tags[Number(match[1])];
    const name = /^\{%-?\s*(\w+)/.exec(tag)?.[1] ?? '';
    if (blockNames.has(name)) open.push({ tag, end: match.index + match[0].length });
    else if (name.startsWith('end') && blockNames.has(name.slice(3))) {
      const block = open.pop();
      if (block && !whole(html.slice(block.end, match.index))) return block.tag;
    }
  }
  return undefined;
}

function whole(segment: string): boolean {
  const closed: string[] = [];
  const opened: string[] = [];
  for (const [, slash, tagName] of segment.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>/g)) {
    const name = tagName.toLowerCase();
    if (voidElements.has(name)) continue;
    if (!slash) opened.push(name);
    else if (opened.at(-1) === name) opened.pop();
    else closed.push(name);
  }
  return closed.length === opened.length && closed.every((name, index) => name === opened[opened.length - 1 - index]);
}
