/**
 * `audience-pipe verify <file.info>`: checks a batch against its transfer-control file and
 * nothing else, as `process` does before a run: one line per part on stdout (ok, or what
 * differs), then the totals; exit 0 when everything matches, 1 otherwise. The data files are
 * the ones beside the .info (a local directory or an SFTP one): those it lists and those named
 * after its root. An https:// .info has no listing beside it: `process --in <url> --info <url>`
 * checks such a batch.
 */
import { Command } from 'commander';
import { checkInfoFile } from '../batch/verify-batch.js';
import { batchError, checkLine, totalsLine } from '../batch/verify.js';
import { buildProcessConfig, readConfigFile } from '../config/load.js';
import { RunEndpoints } from '../pipeline/endpoints.js';
import { withExamples } from './examples.js';
import { explicitOptions, withSftpOptions } from './process-command.js';
import { createLogger, silentLogger } from '../util/logger.js';

export function verifyCommand(): Command {
  const cmd = withSftpOptions(new Command('verify')
    .description("check a batch against its .info transfer-control file (each part's byte size, MD5 and line count, the totals, no part missing or unlisted); exit 1 on any difference")
    .argument('<file.info>', 'the .info file: a path, sftp://user@host/path/x.info or account:NAME/x.info'))
    .option('--config <file.json>', "options as JSON, keyed by the flags' long names (accounts for account:NAME)")
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace, silent (default: silent)')
    .action(async (info: string, _opts, command: Command) => {
      process.exitCode = await runVerify(info, command);
    });
  return withExamples(cmd, [
    'audience-pipe verify in/ftp_1234_20915_full_1486140843000.info',
    'audience-pipe verify sftp://aam@sftp.example.com/outbound/ftp_1234_20915_full_1486140843000.info --sftp-key ~/.ssh/id_ed25519',
  ]);
}

async function runVerify(spec: string, command: Command): Promise<number> {
  const cli = explicitOptions(command);
  const file = typeof cli.config === 'string' ? readConfigFile(cli.config) : {};
  delete cli.config;
  // The transport's configuration as process reads it: accounts, keys, host keys, retries.
  const config = buildProcessConfig({ ...cli, in: spec, passthrough: true, logLevel: cli.logLevel ?? 'silent' }, { accounts: file.accounts });
  const log = config.logLevel === 'silent' ? silentLogger() : createLogger(config.logLevel, process.stderr);
  const check = await checkInfoFile(spec, new RunEndpoints(config, log), new AbortController().signal);
  for (const part of check.parts) process.stdout.write(`${checkLine(part)}\n`);
  process.stdout.write(`${totalsLine(check)}\n`);
  const err = batchError(check, 'verify');
  if (err) throw err;
  return 0;
}
