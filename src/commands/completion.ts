import { Argument, type Command } from 'commander';
import type { CompletionNode, Shell } from '../system/completion.js';

/** The completion tree is read from commander's own commands, so it never drifts from --help. */
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

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .addHelpText(
      'after',
      '\nExamples:\n  $ source <(mailshot completion bash)            # this shell; add it to ~/.bashrc to keep it\n' +
        '  $ mailshot completion zsh > "${fpath[1]}/_mailshot"\n  $ mailshot completion fish > ~/.config/fish/completions/mailshot.fish',
    )
    .action(async (shell: Shell) => {
      const { completionScript } = await import('../system/completion.js');
      process.stdout.write(completionScript(shell, program.name(), nodeOf(program, [])));
    });
}
