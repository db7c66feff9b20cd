/**
 * Diagnosis, not a benchmark case: what each step of mailshot's per-message hot path costs, measured
 * in-process on the compiled modules (dist/), N messages of the bench campaign. Prints CPU ms per
 * 1,000 messages (process CPU, which includes libuv's thread pool) and wall ms per 1,000 for:
 * reading the CSV (mailshot reads it twice on a first send: the check, then the send), Liquid
 * rendering, MIME composition, the journal (attempt + sent, group-committed, 8 writers at once), and
 * the account's daily-usage log (one reservation per message), and the plain-script equivalents.
 *
 *   npm run build && node bench/hot-path.js [--count 5000]
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { makeTempRoot, recipientRow, repoRoot, writeCampaign } from './lib.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '5000' } } });
const count = Number(args.count);
const dist = (file) => import(path.join(repoRoot, 'dist', file));
const { prepareCampaign, recipientsOf } = await dist('campaign/prepare.js');
const { MessageComposer } = await dist('campaign/compose.js');
const { Journal } = await dist('store/journal.js');
const { DailyUsage } = await dist('throttle/daily.js');
const { systemClock } = await dist('throttle/clock.js');
const nodemailer = (await import('nodemailer')).default;
const MailComposer = (await import('nodemailer/lib/mail-composer/index.js')).default;

const root = await makeTempRoot();
const file = await writeCampaign(path.join(root, 'campaign'), count);
const campaign = await prepareCampaign(file);
const composer = new MessageComposer(campaign.definition, 'a1b2c3d4-0000-4000-8000-000000000000');

const rows = [];
const results = [];
async function step(name, fn) {
  if (global.gc) global.gc();
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await fn();
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - wall;
  results.push({ name, cpuMsPer1000: ((used.user + used.system) / 1000 / count) * 1000, wallMsPer1000: (wallMs / count) * 1000 });
}

await step('CSV: read + validate + dedupe, one pass', async () => {
  for await (const row of recipientsOf(campaign)) if ('key' in row) rows.push(row);
});
const parts = [];
await step('Liquid render (subject, HTML, text)', async () => {
  for (const row of rows) parts.push(campaign.templates.render(row.fields));
});
const messages = [];
await step('MIME compose (as sent: text + HTML built without MailComposer, written synchronously)', async () => {
  for (let index = 0; index < rows.length; index++) messages.push(await composer.compose(rows[index], parts[index]));
});
await step("the same trees through nodemailer's stream build (MimeNode.build, as before issue 27)", async () => {
  for (let index = 0; index < rows.length; index++) await (await composer.compile(rows[index], parts[index])).tree.build();
});
await step('journal: attempt + sent per message, 8 writers', async () => {
  const journal = await Journal.open(path.join(root, 'journal.jsonl'), () => undefined);
  let next = 0;
  const writer = async () => {
    while (next < rows.length) {
      const row = rows[next++];
      await journal.append({ ev: 'attempt', to: row.key, at: Date.now() });
      await journal.append({ ev: 'sent', to: row.key, at: Date.now(), reply: '250 2.0.0 Ok: queued as S12345' });
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));
  await journal.close();
});
await step('daily usage: reserve() per message, no limit, 8 at once', async () => {
  const usage = new DailyUsage(path.join(root, 'usage', 'acct'), undefined, systemClock);
  let next = 0;
  const worker = async () => {
    while (next++ < count) await usage.reserve();
  };
  await Promise.all(Array.from({ length: 8 }, worker));
});
const limitedDir = path.join(root, 'usage', 'limited');
await mkdir(limitedDir, { recursive: true });
await step('daily usage: reserve() per message, --daily-limit set, 8 at once', async () => {
  const usage = new DailyUsage(limitedDir, 10 * count, systemClock);
  let next = 0;
  const worker = async () => {
    while (next++ < count) await usage.reserve();
  };
  await Promise.all(Array.from({ length: 8 }, worker));
});
await step('nodemailer: raw message re-streamed by sendMail (streamTransport, what the pool does)', async () => {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true });
  for (const message of messages) await transport.sendMail({ envelope: { from: message.from, to: [message.to] }, raw: message.raw });
});
await step('baseline: string replacement + MailComposer from fields', async () => {
  const html = parts[0].html;
  for (let index = 0; index < count; index++) {
    const row = recipientRow(index);
    const composed = new MailComposer({
      from: { name: 'Sender', address: 'sender@example.com' },
      to: { name: row.name, address: row.email },
      subject: `Hello ${row.name}, news about your ${row.plan} plan`,
      text: parts[0].text.replaceAll('Person 0', row.name),
      html: html.replaceAll('Person 0', row.name),
    });
    await composed.compile().build();
  }
});
await rm(root, { recursive: true, force: true });

console.log(`hot path, ${count} messages (ms per 1,000 messages)`);
console.log(`${'CPU'.padStart(8)} ${'wall'.padStart(8)}  step`);
for (const result of results)
  console.log(`${result.cpuMsPer1000.toFixed(0).padStart(8)} ${result.wallMsPer1000.toFixed(0).padStart(8)}  ${result.name}`);
