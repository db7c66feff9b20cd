import type { Command } from 'commander';
import type { CompletionNode, Shell } from '../system/completion.js';
import type { CommandIo } from './io.js';
import { runsWith, typed } from './verb.js';

export interface CompletionOptions {
  shell: Shell;
  /** The program whose commands and options are completed. */
  program: Command;
}

/** `mailshot completion SHELL` for this program. */
export function define(program: Command): void {
  const completion = typed(program.command('completion'));
  completion
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(completion.createArgument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish'] as const))
    .addHelpText(
      'after',
      '\nExamples:\n  $ source <(mailshot completion bash)            # this shell; add it to ~/.bashrc to keep it\n' +
        '  $ mailshot completion zsh > "${fpath[1]}/_mailshot"\n  $ mailshot completion fish > ~/.config/fish/completions/mailshot.fish',
    )
    .action(runsWith(run, (shell) => ({ shell, program })));
}

/** `mailshot completion SHELL`: the script, read from commander's own commands so that it never drifts from --help. */
export async function run(options: CompletionOptions, io: CommandIo): Promise<void> {
  const { completionScript } = await import('../system/completion.js');
  io.stdout.write(completionScript(options.shell, options.program.name(), nodeOf(options.program, [])));
}

/** The completion tree of a command and everything below it. */
function nodeOf(command: Command, path: string[]): CompletionNode {
  const help = command.createHelp();
  const options = help.visibleOptions(command).map((option) => ({
    names: [option.long, option.short].filter((name): name is string => Boolean(name)),
    description: option.description,
    takesValue: option.required || option.optional,
  }));
  const children = help.visibleCommands(command).filter((child) => child.name() !== 'help');
  const choices = command.registeredArguments.flatMap((argument) => argument.argChoices ?? []);
  return {
    path,
    description: command.description(),
    options,
    takesArguments: command.registeredArguments.length > choices.length,
    children: [
      ...children.map((child) => nodeOf(child, [...path, child.name()])),
      ...choices.map((choice) => ({ path: [...path, choice], description: choice, options: [], takesArguments: false, children: [] })),
    ],
  };
}
