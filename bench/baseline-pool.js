/**
 * Baseline of the throughput case: what a plain script does with nodemailer's pooled transport alone.
 * The campaign's Markdown is turned into HTML and text once, with the merge tags left in; each
 * recipient's message is then made by plain string replacement (no Liquid, no journal, no pacing) and
 * handed to `pool.sendMail` (nodemailer composes the MIME). Keeps 2 × connections messages queued on
 * the pool, like mailshot's dispatcher, so the pool never waits for work.
 *
 *   node bench/baseline-pool.js --port P --dir CAMPAIGN_DIR [--connections 8]
 *
 * Prints one JSON line: { sent, failed, firstError }.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { convert as htmlToText } from 'html-to-text';
import { marked } from 'marked';
import nodemailer from 'nodemailer';

const { values: args } = parseArgs({
  options: { port: { type: 'string' }, dir: { type: 'string' }, connections: { type: 'string', default: '8' } },
});
const connections = Number(args.connections);
const subjectTemplate = 'Hello {{ name }}, news about your {{ plan }} plan';
const markdown = readFileSync(path.join(args.dir, 'body.md'), 'utf8');
const htmlTemplate = `<!doctype html>\n<html><head><meta charset="utf-8"></head><body>\n${marked.parse(markdown, { async: false })}</body></html>\n`;
const keepCase = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } }));
const textTemplate = htmlToText(htmlTemplate, { wordwrap: 78, selectors: keepCase });

const escapeHtml = (value) =>
  value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const fill = (template, row, escape) => template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => (escape ? escapeHtml(row[name]) : row[name]));

const lines = readFileSync(path.join(args.dir, 'recipients.csv'), 'utf8').split('\n');
const columns = lines[0].split(',');

const pool = nodemailer.createTransport({
  pool: true,
  host: '127.0.0.1',
  port: Number(args.port),
  secure: false,
  ignoreTLS: true,
  maxConnections: connections,
});

let sent = 0;
let failed = 0;
let firstError;
const inFlight = new Set();
for (let index = 1; index < lines.length; index++) {
  if (!lines[index]) continue;
  const cells = lines[index].split(',');
  const row = Object.fromEntries(columns.map((column, at) => [column, cells[at]]));
  const task = pool
    .sendMail({
      from: { name: 'Sender', address: 'sender@example.com' },
      to: { name: row.name, address: row.email },
      subject: fill(subjectTemplate, row, false),
      text: fill(textTemplate, row, false),
      html: fill(htmlTemplate, row, true),
    })
    .then(
      () => sent++,
      (error) => {
        failed++;
        firstError ??= error.message;
      },
    )
    .finally(() => inFlight.delete(task));
  inFlight.add(task);
  while (inFlight.size >= connections * 2) await Promise.race(inFlight);
}
await Promise.all(inFlight);
pool.close();
process.stdout.write(JSON.stringify({ sent, failed, firstError }) + '\n');
