/**
 * The folders of src/ point one way (docs/architecture.md, "Dependency rules"): read every import of every
 * source file, static, type-only or lazy, and check it against the rules; no cycle between folders or files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers/cli.js';

const src = path.join(repoRoot, 'src');

/**
 * Each folder under src/ (and each file at its root) → the folders it may import. `errors.ts` and `status.ts`,
 * the words every folder shares, may be imported from anywhere; a folder's files import each other freely.
 */
const allowed: Record<string, string[]> = {
  system: [],
  auth: ['system'],
  transports: ['auth', 'system'],
  throttle: ['system'],
  store: ['system'],
  campaign: ['transports', 'system'],
  accounts: ['auth', 'transports', 'throttle', 'system'],
  suppress: ['accounts', 'auth', 'campaign', 'system'],
  bounces: ['accounts', 'auth', 'campaign', 'store', 'suppress', 'system'],
  report: ['campaign', 'store', 'throttle', 'system'],
  delivery: ['accounts', 'auth', 'bounces', 'campaign', 'report', 'store', 'suppress', 'throttle', 'transports', 'system'],
  commands: ['accounts', 'bounces', 'campaign', 'delivery', 'report', 'suppress', 'throttle', 'system'],
  'cli.ts': ['commands', 'system'],
  'errors.ts': [],
  'status.ts': [],
};
const sharedWords = ['errors.ts', 'status.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative imports of a file: `from '…'`, `import '…'`, `import('…')`, `export … from '…'`, as src/ paths of .ts files. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]!);
  return found.map((specifier) => path.relative(src, path.resolve(path.dirname(file), specifier)).replace(/\.js$/, '.ts'));
}

const topFolder = (relative: string): string => relative.split(path.sep)[0]!;

const edges = sourceFiles(src).flatMap((file) => importsOf(file).map((target) => ({ from: path.relative(src, file), to: target })));

/** A cycle in a graph given as node → the nodes it points to, as a path from a node back to itself; none: []. */
function findCycle(graph: Map<string, Set<string>>): string[] {
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (node: string): string[] => {
    const back = onPath.indexOf(node);
    if (back !== -1) return [...onPath.slice(back), node];
    if (done.has(node)) return [];
    onPath.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle.length) return cycle;
    }
    onPath.pop();
    done.add(node);
    return [];
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle.length) return cycle;
  }
  return [];
}

function graphOf(pairs: { from: string; to: string }[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of pairs) {
    if (from === to) continue;
    graph.set(from, (graph.get(from) ?? new Set()).add(to));
  }
  return graph;
}

test('the import graph was read (the rules below are checked over something)', () => {
  expect(edges.length).toBeGreaterThan(100);
  expect(edges.some((edge) => edge.from.startsWith('transports') && edge.to.startsWith('auth'))).toBe(true);
  expect(edges.some((edge) => edge.from === 'cli.ts' && edge.to.startsWith('commands'))).toBe(true);
});

test('every folder and root file of src/ has a rule', () => {
  const entries = readdirSync(src).filter((name) => !name.endsWith('.d.ts'));
  expect(entries.filter((name) => !(name in allowed))).toEqual([]);
});

test.each(Object.entries(allowed))('%s imports only %j (and the shared words)', (folder, may) => {
  const broken = edges.filter((edge) => {
    const [from, to] = [topFolder(edge.from), topFolder(edge.to)];
    return from === folder && to !== folder && !may.includes(to) && !sharedWords.includes(to);
  });
  expect(broken.map((edge) => `${edge.from} → ${edge.to}`)).toEqual([]);
});

test('only delivery/ brings campaign, transports and store together', () => {
  const reached = graphOf(edges.map((edge) => ({ from: topFolder(edge.from), to: topFolder(edge.to) })));
  const all = [...reached]
    .filter(([, folders]) => ['campaign', 'transports', 'store'].every((folder) => folders.has(folder)))
    .map(([folder]) => folder);
  expect(all).toEqual(['delivery']);
});

test('no cycle between folders', () => {
  expect(findCycle(graphOf(edges.map((edge) => ({ from: topFolder(edge.from), to: topFolder(edge.to) }))))).toEqual([]);
});

test('no cycle between files', () => {
  expect(findCycle(graphOf(edges))).toEqual([]);
});

test('the cycle search finds a cycle when there is one', () => {
  const pairs = [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'c' },
    { from: 'c', to: 'a' },
    { from: 'c', to: 'd' },
  ];
  expect(findCycle(graphOf(pairs))).toEqual(['a', 'b', 'c', 'a']);
  expect(findCycle(graphOf(pairs.slice(1)))).toEqual([]);
});
