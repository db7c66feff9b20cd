/**
 * Diagnosis, not a benchmark case: what the derived text part costs per message after Liquid has run —
 * laying out a table whose cells hold merge values, collapsing the blank lines a false {% if %} leaves,
 * and the CRLF line endings of the text and HTML parts — measured in-process on the compiled modules
 * (dist/) over N renders of a message with a table, a conditional block and a few paragraphs.
 *
 *   npm run build && node bench/text-part.js [--count 20000]
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { writeFile } from 'node:fs/promises';
import { makeTempRoot, repoRoot } from './lib.js';

const { values: args } = parseArgs({ options: { count: { type: 'string', default: '20000' } } });
const count = Number(args.count);
const dist = (file) => import(path.join(repoRoot, 'dist', file));
const { prepareCampaign } = await dist('campaign/prepare.js');
const { finishText } = await dist('campaign/text-part.js');

const root = await makeTempRoot();
const markdown = [
  '# Hello {{ name }},',
  '',
  'Thank you for joining **Lakeside Makers**! We saved you a seat at the *{{ workshop }}* workshop on **{{ day }}**.',
  '',
  '| What | When | Where |',
  '| --- | --- | --- |',
  '| {{ workshop }} | {{ day }} | {{ place }} |',
  '| Open studio | Saturday | Hall B |',
  '',
  '{% if vip == "yes" %}',
  'You are on the VIP list.',
  '{% endif %}',
  '',
  '',
  'The attached sheet has the address and the opening hours. See the full programme at https://example.org/programme.',
  '',
  'See you soon,',
  'Mara',
].join('\n');
await writeFile(path.join(root, 'body.md'), markdown);
await writeFile(
  path.join(root, 'recipients.csv'),
  'email,name,workshop,day,place,vip\nann@example.com,Ann,Woodturning,Tuesday 3 March,Garmisch-Partenkirchen,no\n',
);
await writeFile(
  path.join(root, 'campaign.yaml'),
  'name: t\nfrom: a@example.com\nsubject: hi\nmarkdown: body.md\nrecipients: recipients.csv\n',
);
const campaign = await prepareCampaign(path.join(root, 'campaign.yaml'));
const fields = {
  email: 'ann@example.com',
  name: 'Ann',
  workshop: 'Woodturning',
  day: 'Tuesday 3 March',
  place: 'Garmisch-Partenkirchen',
  vip: 'no',
};
const parts = campaign.templates.render(fields);
// The text part as Liquid leaves it (table still marked, blank lines not collapsed): read through the
// templates' private members, as only render() uses them.
const liquidOutput = campaign.templates['run'](campaign.templates['text'], fields);
const crlf = (text) => text.replace(/\r\n|\r|\n/g, '\r\n');

function measure(name, fn) {
  for (let index = 0; index < 2000; index++) fn();
  const start = performance.now();
  for (let index = 0; index < count; index++) fn();
  const perMessage = (performance.now() - start) / count;
  console.log(`${name.padEnd(52)} ${(perMessage * 1000).toFixed(2)} µs per message`);
  return perMessage;
}

const finish = measure('finishText (table layout + blank lines)', () => finishText(liquidOutput));
const endings = measure('CRLF of the text and HTML parts', () => [crlf(parts.text), crlf(parts.html)]);
console.log(`${'total added per message'.padEnd(52)} ${((finish + endings) * 1000).toFixed(2)} µs (budget 50 µs)`);
