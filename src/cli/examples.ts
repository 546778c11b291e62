/** The closing lines of every command's --help: a few commands to copy. */
import type { Command } from 'commander';

export function withExamples(cmd: Command, examples: readonly string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}
