/**
 * Text that came from a server or a CSV cell, on its way to a terminal: control characters (C0 but line
 * breaks and tabs, DEL, C1) are shown as `\u001b`, never acted on, so a reply holding `ESC]0;…` or `ESC[2J`
 * cannot retitle the window, clear the screen or paint a fake "all delivered".
 */
export function terminalSafe(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** CSV cells and server replies reach the terminal: control characters are shown escaped, not acted on. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, (character) => JSON.stringify(character).slice(1, -1));
}
