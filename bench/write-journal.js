/**
 * Writes a journal in the format of src/store/journal.ts, as a run via the outbox leaves it: a run start,
 * `attempt` + `sent` for r0 … r(count-1), a run end. Used by the resume and report cases;
 * `node bench/write-journal.js FILE COUNT` writes one by hand.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

/** Returns the journal's length in bytes. */
export async function writeJournal(file, count) {
  const out = createWriteStream(file, { mode: 0o600 });
  let at = Date.now() - 3_600_000;
  let bytes = 0;
  const write = async (text) => {
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(JSON.stringify({ ev: 'run', at, what: 'start', via: 'outbox' }) + '\n');
  const chunk = 5_000;
  for (let start = 0; start < count; start += chunk) {
    let text = '';
    for (let index = start; index < Math.min(count, start + chunk); index++) {
      const to = `r${index}@example.com`;
      at += 1;
      const eml = `${index.toString(16).padStart(32, '0')}@example.com.eml`;
      text += JSON.stringify({ ev: 'attempt', to, at }) + '\n';
      text += JSON.stringify({ ev: 'sent', to, at: at + 1, reply: `written ${eml}` }) + '\n';
    }
    await write(text);
  }
  await write(JSON.stringify({ ev: 'run', at, what: 'end', status: 'paused' }) + '\n');
  out.end();
  await once(out, 'finish');
  const { size } = await stat(file);
  if (size !== bytes) throw new Error(`journal: wrote ${bytes} bytes, file has ${size}`);
  return bytes;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, count] = process.argv.slice(2);
  if (!file || !(Number(count) > 0)) throw new Error('usage: node bench/write-journal.js FILE COUNT');
  console.log(`${await writeJournal(file, Number(count))} bytes`);
}
