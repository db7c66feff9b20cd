import { convert as htmlToText, type FormatCallback } from 'html-to-text';

/**
 * The text part derived from the HTML, once per campaign, with the Liquid tags still in it. Nothing is
 * wrapped: a line wrapped before the merge values are filled in comes out ragged, and mail clients wrap
 * for themselves. Tables become aligned columns; a table whose cells hold merge values is laid out per
 * recipient (`finishText`), the others here.
 */
export function htmlToTextTemplate(html: string): string {
  const keepCase = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } }));
  const text = htmlToText(html, {
    wordwrap: false,
    formatters: { columns: formatColumns, checkbox: formatCheckbox, imageText: formatImage },
    selectors: [
      ...keepCase,
      { selector: 'input[type=checkbox]', format: 'checkbox' },
      { selector: 'img', format: 'imageText' },
      { selector: 'table', format: 'columns' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    ],
  });
  return collapseBlankLines(layOutTables(text, (block) => !hasPlaceholder(block)));
}

/**
 * What a derived text part needs after the merge values are in: tables with merge values aligned, and
 * the blank lines a false `{% if %}` leaves collapsed. Costs nothing when the template has neither.
 */
export function finishText(text: string): string {
  return collapseBlankLines(text.includes(tableStart) ? layOutTables(text, () => true) : text);
}

/** A merge value as it goes in the text part and headers: without the characters that mark a table. */
export function withoutTableMarkers(value: unknown): string {
  return String(value).replace(markers, '');
}

/** A table travels through Liquid as marked lines, cells split by `cell`; laid out when its values are known. */
const tableStart = '\u0001';
const tableEnd = '\u0002';
const cell = '\u001f';
/** Starts a line that is not a row: a Liquid tag between rows (`{% for %}`, `{% if %}`), kept where it was. */
const verbatim = '\u001d';
/** Starts the row of header cells. */
const header = '\u001e';
const tableBlock = /\u0001([^\u0002]*)\u0002/g;
const markers = /[\u0001\u0002\u001d-\u001f]/g;
const columnGap = '   ';

function hasPlaceholder(block: string): boolean {
  return /mailshotliquid\d+x/i.test(block);
}

function layOutTables(text: string, when: (block: string) => boolean): string {
  return text.replace(tableBlock, (whole, block: string) => (when(block) ? layOut(block) : whole));
}

function layOut(block: string): string {
  const lines = block.split('\n').filter((line) => !line.startsWith(verbatim) || line.slice(1).trim());
  const rows = lines.map((line) => (line.startsWith(verbatim) ? line.slice(1) : line));
  const cells = rows.map((row, index) => (lines[index].startsWith(verbatim) ? undefined : row.replace(header, '').split(cell)));
  const widths: number[] = [];
  for (const row of cells) row?.forEach((text, column) => (widths[column] = Math.max(widths[column] ?? 0, [...text].length)));
  const pad = (text: string, column: number) => text + ' '.repeat(widths[column] - [...text].length);
  const out: string[] = [];
  cells.forEach((row, index) => {
    if (!row) return out.push(rows[index]);
    out.push(row.map(pad).join(columnGap).trimEnd());
    if (rows[index].startsWith(header))
      out.push(
        widths
          .slice(0, row.length)
          .map((width) => '-'.repeat(width))
          .join(columnGap),
      );
  });
  return out.join('\n');
}

function collapseBlankLines(text: string): string {
  return text.replace(/^(?:[ \t]*\n)+/, '').replace(/\n(?:[ \t]*\n){2,}/g, '\n\n');
}

/** An image is its alt text: its address (a cid: or a tracking pixel) means nothing to a reader. */
const formatImage: FormatCallback = (elem, _walk, builder) => {
  const alt = elem.attribs?.alt?.trim();
  if (alt) builder.addInline(alt);
};

/** A task list's box: [x] done, [ ] to do. */
const formatCheckbox: FormatCallback = (elem, _walk, builder) => {
  builder.addInline(elem.attribs?.checked !== undefined ? '[x]' : '[ ]');
};

/** html-to-text formatter: a table as marked rows of cells (see `tableStart`), laid out later. */
const formatColumns: FormatCallback = (elem, walk, builder, options) => {
  type Node = typeof elem;
  /** In order: a Liquid tag between rows (its text), or a row (true when it holds header cells). */
  const plan: (string | boolean)[] = [];
  const visit = (node: Node) => {
    if (node.type === 'text') {
      const text = String((node as { data?: string }).data ?? '').trim();
      if (text) plan.push(text);
    } else if (node.type === 'tag' && node.name === 'tr') {
      const cells = (node.children as Node[]).filter((child) => child.type === 'tag' && (child.name === 'td' || child.name === 'th'));
      builder.openTableRow();
      for (const child of cells) {
        builder.openTableCell();
        walk(child.children, builder);
        builder.closeTableCell();
      }
      builder.closeTableRow();
      plan.push(cells.length > 0 && cells.every((child) => child.name === 'th'));
    } else if (node.type === 'tag') {
      (node.children as Node[]).forEach(visit);
    }
  };
  builder.openTable();
  (elem.children as Node[]).forEach(visit);
  builder.closeTable({
    tableToString: (rows) => {
      let next = 0;
      const lines = plan.map((step) => {
        if (typeof step === 'string') return verbatim + step;
        const texts = rows[next++].map((entry) => entry.text.replace(/\s*\n\s*/g, ' ').trim());
        return (step && next === 1 ? header : '') + texts.join(cell);
      });
      return lines.length ? tableStart + lines.join('\n') + tableEnd : '';
    },
    leadingLineBreaks: options.leadingLineBreaks ?? 2,
    trailingLineBreaks: options.trailingLineBreaks ?? 2,
  });
};
