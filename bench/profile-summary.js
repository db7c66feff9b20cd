/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time by package/module and by function,
 * and total (inclusive) time of the functions that match a pattern. Used to explain a benchmark miss.
 *
 *   node bench/profile-summary.js FILE.cpuprofile [--top 25] [--inclusive 'render|compose|append|send']
 *        [--categories 'journal=journal.js;render=render.js|liquidjs;…']
 *
 * With --categories, each sample goes to the innermost frame on its stack that matches one of the
 * patterns (tested against "function module:line"), so nested costs are not counted twice.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, inclusive: { type: 'string' }, categories: { type: 'string' } },
});
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const top = Number(args.top);

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Self time per node from the samples and their time deltas.
const self = new Map();
profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

function moduleOf(url) {
  if (!url) return '(native/idle)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const dist = /\/dist\/(.*)$/.exec(url);
  return dist ? `mailshot ${dist[1]}` : url;
}

const byModule = new Map();
const byFunction = new Map();
for (const [id, us] of self) {
  const { callFrame } = nodes.get(id);
  const mod = callFrame.url ? moduleOf(callFrame.url) : callFrame.functionName || '(program)';
  byModule.set(mod, (byModule.get(mod) ?? 0) + us);
  const fn = `${callFrame.functionName || '(anonymous)'} ${moduleOf(callFrame.url)}:${callFrame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
}

const show = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(0).padStart(8)} ms ${((us / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
};
console.log(`profile: ${(total / 1e6).toFixed(2)} s sampled`);
show('self time by module', byModule);
show('self time by function', byFunction);

if (args.inclusive) {
  // Inclusive time: a sample counts once for every distinct matching frame on its stack.
  const pattern = new RegExp(args.inclusive);
  const inclusive = new Map();
  profile.samples.forEach((id, index) => {
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { callFrame } = nodes.get(at);
      const name = `${callFrame.functionName || '(anonymous)'} ${moduleOf(callFrame.url)}:${callFrame.lineNumber + 1}`;
      if (!pattern.test(name) || seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + (profile.timeDeltas[index] ?? 0));
    }
  });
  show(`inclusive time of functions matching /${args.inclusive}/`, inclusive);
}

if (args.categories) {
  const categories = args.categories
    .split(';')
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('=');
      return { name: entry.slice(0, at), pattern: new RegExp(entry.slice(at + 1)) };
    });
  const totals = new Map();
  const frameName = (id) => {
    const { callFrame } = nodes.get(id);
    return `${callFrame.functionName || '(anonymous)'} ${moduleOf(callFrame.url)}:${callFrame.lineNumber + 1}`;
  };
  profile.samples.forEach((id, index) => {
    let category = nodes.get(id).callFrame.url ? 'other' : frameName(id).split(' ')[0];
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const name = frameName(at);
      const found = categories.find((candidate) => candidate.pattern.test(name));
      if (found) {
        category = found.name;
        break;
      }
    }
    totals.set(category, (totals.get(category) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  show('time by category (innermost match)', totals);
}
