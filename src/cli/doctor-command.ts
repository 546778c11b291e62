/** `audience-pipe doctor`: is this install as fast as it can be, and if not, why. */
import { Command } from 'commander';
import { withExamples } from './examples.js';
import { installChecks } from './install-checks.js';

export function doctorCommand(): Command {
  const cmd = new Command('doctor')
    .description('check the install: Node, the native SHA-256 batch and ssh2 crypto (loaded or not, and why), OpenSSL, the temporary directory; exit 1 when something makes runs slower or fail')
    .option('--json', 'print the checks as JSON')
    .action((opts: { json?: boolean }) => {
      const checks = installChecks();
      if (opts.json) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
      else {
        const width = Math.max(...checks.map((c) => c.name.length)) + 2;
        for (const c of checks) process.stdout.write(`${c.ok ? 'ok  ' : c.failure === 'slower' ? 'SLOW' : 'FAIL'}  ${c.name.padEnd(width)}${c.detail}\n`);
      }
      process.exitCode = checks.some((c) => !c.ok) ? 1 : 0;
    });
  return withExamples(cmd, ['audience-pipe doctor', 'audience-pipe doctor --json']);
}
