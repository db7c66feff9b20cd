/**
 * The folders of src/ point one way (DESIGN.md, "Dependency rules"): read every import of every source
 * file, static or lazy, and check it against the rules.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers/cli.js';

const src = path.join(repoRoot, 'src');

/** Folder (under src/) → the folders it must never import. */
const forbidden: Record<string, string[]> = {
  auth: ['accounts', 'campaign', 'delivery', 'commands', 'transports', 'report', 'store'],
  transports: ['accounts', 'campaign', 'delivery', 'commands', 'report', 'store'],
  store: ['accounts', 'campaign', 'delivery', 'commands', 'transports', 'report'],
  throttle: ['accounts', 'campaign', 'delivery', 'commands', 'report', 'store'],
  commands: ['store', 'transports'],
  campaign: ['accounts', 'delivery', 'commands', 'report', 'store'],
  accounts: ['delivery', 'commands', 'report'],
  report: ['delivery', 'commands'],
  system: ['accounts', 'campaign', 'delivery', 'commands', 'transports', 'store', 'report'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative imports of a file: `from '…'`, `import '…'`, `import('…')`, `export … from '…'`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]!);
  return found.map((specifier) => path.relative(src, path.resolve(path.dirname(file), specifier)));
}

const topFolder = (relative: string): string => relative.split(path.sep)[0]!;

const edges = sourceFiles(src).flatMap((file) => importsOf(file).map((target) => ({ from: path.relative(src, file), to: target })));

test('the import graph was read (the rules below are checked over something)', () => {
  expect(edges.length).toBeGreaterThan(100);
  expect(edges.some((edge) => edge.from.startsWith('transports') && edge.to.startsWith('auth'))).toBe(true);
});

test.each(Object.entries(forbidden))('%s/ imports none of %j', (folder, never) => {
  const broken = edges.filter((edge) => topFolder(edge.from) === folder && never.includes(topFolder(edge.to)));
  expect(broken.map((edge) => `${edge.from} → ${edge.to}`)).toEqual([]);
});

test('only delivery/ brings campaign, transports and store together', () => {
  const meeting = new Map<string, Set<string>>();
  for (const edge of edges) {
    const folder = topFolder(edge.from);
    const reached = meeting.get(folder) ?? new Set<string>();
    reached.add(topFolder(edge.to));
    meeting.set(folder, reached);
  }
  const all = [...meeting]
    .filter(([, reached]) => ['campaign', 'transports', 'store'].every((folder) => reached.has(folder)))
    .map(([folder]) => folder);
  expect(all).toEqual(['delivery']);
});
