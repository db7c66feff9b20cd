#!/usr/bin/env node
// Builds man/mailshot.1 from the commands' own --help (run after `npm run build`): the page cannot drift from the help.
// Usage: node scripts/build-man.js [output file]
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const output = path.resolve(process.argv[2] ?? path.join(root, 'man/mailshot.1'));
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

const help = (words) =>
  execFileSync(process.execPath, [path.join(root, 'bin/mailshot.js'), ...words, '--help'], {
    encoding: 'utf8',
    env: { ...process.env, COLUMNS: '80' },
  });

/** The sub-command names listed under "Commands:" in a help text. */
function subCommands(text) {
  const section = text.split(/^Commands:\n/m)[1];
  if (!section) return [];
  const lines = section.split(/\n(?=\S)/)[0].split('\n');
  return lines.map((line) => /^ {2}(\S+)/.exec(line)?.[1]).filter((name) => name && name !== 'help');
}

function walk(words, pages = []) {
  const text = help(words);
  pages.push({ words, text });
  for (const name of subCommands(text)) walk([...words, name], pages);
  return pages;
}

// roff: escape backslashes, and protect lines that start with a control character.
const roff = (text) =>
  text
    .replace(/\\/g, '\\e')
    .replace(/^([.'])/gm, '\\&$1')
    .replace(/-/g, '\\-');

const [top, ...commands] = walk([]);
const description = top.text.split('\n\n')[1].trim();
const page = [
  `.TH MAILSHOT 1 "" "mailshot ${version}" "User Commands"`,
  '.SH NAME',
  `mailshot \\- ${roff(description)}`,
  '.SH SYNOPSIS',
  '.B mailshot',
  '.I command',
  '[options]',
  '.SH DESCRIPTION',
  '.nf',
  roff(top.text.trimEnd()),
  '.fi',
  '.SH COMMANDS',
  ...commands.flatMap(({ words, text }) => [`.SS "mailshot ${words.join(' ')}"`, '.nf', roff(text.trimEnd()), '.fi']),
  '.SH ENVIRONMENT',
  '.TP',
  '.B MAILSHOT_CONFIG_DIR',
  'folder of the account registry and the secrets file (default: the XDG config folder)',
  '.TP',
  '.B HTTPS_PROXY, NO_PROXY',
  'proxy for the Gmail and Microsoft Graph connections',
  '',
];
mkdirSync(path.dirname(output), { recursive: true });
writeFileSync(output, page.join('\n'));
process.stdout.write(`${path.relative(process.cwd(), output)}: ${commands.length + 1} commands\n`);
