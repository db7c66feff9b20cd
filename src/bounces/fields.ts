/**
 * The header-style blocks of a message/delivery-status (RFC 3464) or message/feedback-report (RFC 5965)
 * part: blocks separated by blank lines, folded lines unfolded, field names in lower case.
 */
export function fieldBlocks(text: string): Map<string, string>[] {
  const blocks: Map<string, string>[] = [];
  let block = new Map<string, string>();
  let lastName: string | undefined;
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    if (!line.trim()) {
      if (block.size) blocks.push(block);
      block = new Map();
      lastName = undefined;
    } else if (/^[ \t]/.test(line) && lastName) {
      block.set(lastName, `${block.get(lastName)} ${line.trim()}`);
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue; // not a field: a damaged report is read for what it has
      lastName = line.slice(0, colon).trim().toLowerCase();
      if (!block.has(lastName)) block.set(lastName, line.slice(colon + 1).trim());
    }
  }
  if (block.size) blocks.push(block);
  return blocks;
}

/** `rfc822; ann@example.com` → `ann@example.com`; `smtp; 550 …` → `550 …`. */
export function typedValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semicolon = value.indexOf(';');
  return (semicolon >= 0 ? value.slice(semicolon + 1) : value).trim().replace(/^<|>$/g, '') || undefined;
}
