/** One command of the tree, as the completion scripts need it (built from commander's command tree). */
export interface CompletionNode {
  /** Words from the program to this command: [] for the program, ['campaign', 'send'] … */
  path: string[];
  description: string;
  /** Long (and short) option names with their help, e.g. { names: ['--via'], description, takesValue }. */
  options: { names: string[]; description: string; takesValue: boolean }[];
  /** Whether the command takes file/positional arguments (then file names are completed too). */
  takesArguments: boolean;
  children: CompletionNode[];
}

export type Shell = 'bash' | 'zsh' | 'fish';

function flatten(node: CompletionNode): CompletionNode[] {
  return [node, ...node.children.flatMap(flatten)];
}

const single = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
const optionWords = (node: CompletionNode) => node.options.flatMap((option) => option.names);

export function completionScript(shell: Shell, program: string, root: CompletionNode): string {
  return { bash: bashScript, zsh: zshScript, fish: fishScript }[shell](program, flatten(root));
}

/** Bash: walk the typed words down the tree, then offer that command's sub-commands and options. */
function bashScript(program: string, nodes: CompletionNode[]): string {
  const fn = `_${program.replace(/\W/g, '_')}`;
  const cases = nodes
    .map(
      (node) =>
        `    ${single(node.path.join(' '))}) subs=${single(node.children.map((child) => child.path.at(-1)).join(' '))}; opts=${single(optionWords(node).join(' '))}; files=${node.takesArguments ? 1 : 0} ;;`,
    )
    .join('\n');
  return `# ${program} completion for bash. Load it with:  source <(${program} completion bash)
${fn}_at() {
  case "$1" in
${cases}
    *) subs=''; opts=''; files=0 ;;
  esac
}
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} at='' word i subs opts files
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    ${fn}_at "$at"
    [[ " $subs " == *" $word "* ]] && at=\${at:+$at }$word
  done
  ${fn}_at "$at"
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    [[ $files == 1 ]] && COMPREPLY+=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F ${fn} ${program}
`;
}

/** Zsh: the same walk, with descriptions shown beside each choice. */
function zshScript(program: string, nodes: CompletionNode[]): string {
  const fn = `_${program.replace(/\W/g, '_')}`;
  const entry = (name: string, description: string) => single(`${name.replace(/:/g, '\\:')}:${description}`);
  const cases = nodes
    .map((node) => {
      const subs = node.children.map((child) => entry(child.path.at(-1)!, child.description)).join(' ');
      const opts = node.options.flatMap((option) => option.names.map((name) => entry(name, option.description))).join(' ');
      return `    ${single(node.path.join(' '))}) subs=(${subs}); opts=(${opts}); files=${node.takesArguments ? 1 : 0} ;;`;
    })
    .join('\n');
  return `#compdef ${program}
# ${program} completion for zsh. Load it with:  source <(${program} completion zsh)
${fn}_at() {
  case "$1" in
${cases}
    *) subs=(); opts=(); files=0 ;;
  esac
}
${fn}() {
  local at='' word i files
  local -a subs opts names
  for ((i = 2; i < CURRENT; i++)); do
    word=\${words[i]}
    ${fn}_at "$at"
    names=(\${subs%%:*})
    (( \${names[(Ie)$word]} )) && at=\${at:+$at }$word
  done
  ${fn}_at "$at"
  if [[ \${words[CURRENT]} == -* ]]; then
    _describe -t options option opts
  else
    _describe -t commands command subs
    (( files )) && _files
  fi
}
if (( $+functions[compdef] )); then compdef ${fn} ${program}; fi
`;
}

/** Fish: one `complete` line per sub-command and option, guarded by the command the words so far name. */
function fishScript(program: string, nodes: CompletionNode[]): string {
  const fn = `__${program.replace(/\W/g, '_')}`;
  const known = nodes
    .filter((node) => node.path.length)
    .map((node) => single(node.path.join(' ')))
    .join(' ');
  const lines = nodes.flatMap((node) => {
    const guard = `-n ${single(`${fn}_at ${single(node.path.join(' '))}`)}`;
    return [
      ...node.children.map(
        (child) => `complete -c ${program} ${guard} -f -a ${single(child.path.at(-1)!)} -d ${single(child.description)}`,
      ),
      ...node.options.map((option) => {
        const names = option.names.map((name) => (name.startsWith('--') ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`)).join(' ');
        return `complete -c ${program} ${guard} ${names}${option.takesValue ? ' -r' : ''} -d ${single(option.description)}`;
      }),
    ];
  });
  return `# ${program} completion for fish. Load it with:  ${program} completion fish | source
function ${fn}_path
  set -l at ''
  for word in (commandline -opc)[2..-1]
    set -l next (string trim -- "$at $word")
    contains -- $next ${known}; and set at $next
  end
  echo $at
end
function ${fn}_at
  set -l at (${fn}_path)
  test "$at" = "$argv[1]"
end
complete -c ${program} -f
${lines.join('\n')}
`;
}
