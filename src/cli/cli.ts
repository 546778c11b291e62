/**
 * The command line. Exit codes are decided here and only here: 0 done (rejects allowed, or a
 * closed stdout), 1 run failure, 2 usage or configuration error, 128 + the signal's number for
 * a run interrupted by SIGHUP, SIGINT or SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { Command, CommanderError } from 'commander';
import { isClosedPipe } from '../errors/classify.js';
import { AudiencePipeError } from '../errors/errors.js';
import { errnoText } from '../outputs/resolve-target.js';
import { interruptedBy } from './interrupt.js';
import { hintFor } from './hints.js';
import { withExamples } from './examples.js';
import { processCommand } from './process-command.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The commands besides `process`, loaded only when the command line is not a `process` run: the
 * generator and the bench harness alone are ~20 modules, which every run of a shell pipeline paid
 * for at start-up. `audience-pipe process --help` shows only that command's help, as before.
 */
async function otherCommands(): Promise<Command[]> {
  const [generate, demo, bench, configSchema, doctor, verify, importAudience, exportAudience] = await Promise.all([
    import('../tools/generate/command.js'),
    import('../tools/demo/command.js'),
    import('../tools/bench/command.js'),
    import('./config-schema-command.js'),
    import('./doctor-command.js'),
    import('./verify-command.js'),
    import('./import-audience-command.js'),
    import('./export-audience-command.js'),
  ]);
  return [generate.generateCommand(), demo.demoCommand(), bench.benchCommand(), configSchema.configSchemaCommand(), doctor.doctorCommand(), verify.verifyCommand(), importAudience.importAudienceCommand(), exportAudience.exportAudienceCommand()];
}

async function program(argv: readonly string[]): Promise<Command> {
  const root = new Command('audience-pipe')
    .description('Hash, encrypt and reconcile multi-million-row marketing audience files at hardware speed')
    // Handled in main() before parsing: the native status is looked up only when asked for.
    .option('-V, --version', 'print the version and whether the native pieces are in use')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  const others = argv[2] === 'process' ? [] : await otherCommands();
  for (const cmd of [processCommand(), ...others]) {
    root.addCommand(cmd.exitOverride());
  }
  return withExamples(root, [
    'audience-pipe process --in aud.csv --out out.csv --hash email=email_lc_sha256',
    'audience-pipe demo',
    'audience-pipe doctor',
  ]);
}

async function main(argv: string[]): Promise<number> {
  const code = await run(argv);
  // A run stopped by a signal ends as the shell reports a process killed by it, whatever failed on the way out.
  const signal = interruptedBy();
  return signal === undefined ? code : 128 + constants.signals[signal];
}

async function run(argv: string[]): Promise<number> {
  try {
    // Nothing asked for is a usage error: the help goes to stderr, stdout stays for data.
    if (argv.length <= 2) {
      (await program(argv)).outputHelp({ error: true });
      return 2;
    }
    if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
      const { versionLine } = await import('./install-checks.js');
      process.stdout.write(`${versionLine(pkg.version)}\n`);
      return 0;
    }
    await (await program(argv)).parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2;
    }
    if (isClosedPipe(err)) return 0;
    if (err !== undefined && err === stdoutFailure) {
      process.stderr.write(`audience-pipe: stdout: cannot write: ${errnoText(err)}\n`);
      return 1;
    }
    if (err instanceof AudiencePipeError) {
      process.stderr.write(`audience-pipe: ${err.message}\n`);
      if (process.stderr.isTTY) process.stderr.write(`hint: ${hintFor(err.code)}\n`);
      return err.exitCode;
    }
    process.stderr.write(`audience-pipe: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}

// A reader that went away (`| head`) is a normal end, not a crash. Any other error of stdout
// (a full disk, /dev/full) fails the command with one line; while a run writes to stdout, its
// sink listens too and the run ends itself, with its report.
let stdoutFailure: unknown;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  stdoutFailure = err;
  if (isClosedPipe(err) || process.stdout.listenerCount('error') > 1) return;
  process.stderr.write(`audience-pipe: stdout: cannot write: ${errnoText(err)}\n`);
  process.exit(1);
});

const code = await main(process.argv);
process.exit(code);
