/**
 * Diagnosis only (never used by `npm run bench`'s figures): preloaded into the CLI
 * (`node --import bench/ablate-preload.js bin/mailshot.js …`), turns off one part of the send path so a
 * benchmark can show what that part costs. $BENCH_ABLATE is a comma list of:
 *   daily        — the account's daily-usage log: reserve() answers "ok" without touching the disk
 *   journal      — the journal is not written at all
 * ES modules are singletons per URL, so patching the classes' prototypes here changes the CLI's: bench/ablate.js
 * runs tsc's dist/cli.js for this (the bundle in dist/bundle has its own copies of the classes). The journal
 * writes with O_DSYNC, so there is no separate fdatasync to leave out.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');
const ablate = new Set((process.env.BENCH_ABLATE ?? '').split(',').filter(Boolean));

if (ablate.has('daily')) {
  const { DailyUsage } = await import(path.join(dist, 'throttle/daily.js'));
  DailyUsage.prototype.reserve = async () => ({ ok: true });
}
if (ablate.has('journal')) {
  const { Journal } = await import(path.join(dist, 'store/journal.js'));
  Journal.prototype.append = () => Promise.resolve();
}
