/**
 * `audience-pipe verify <file.info>`: checks a batch against its transfer-control file and
 * nothing else, as `process` does before a run: one line per part on stdout (ok, or what
 * differs), then the totals; exit 0 when everything matches, 1 otherwise. The data files are
 * the ones beside the .info (a local directory or an SFTP one): those it lists and those named
 * after its root. An https:// .info has no listing beside it: `process --in <url> --info <url>`
 * checks such a batch.
 */
import { Command } from 'commander';
import { readInfo } from '../batch/batch-source.js';
import { controlRoot } from '../batch/control-file.js';
import { batchError, checkBatch, checkLine, fileNameOf, totalsLine, type BatchPart } from '../batch/verify.js';
import { buildProcessConfig, readConfigFile } from '../config/load.js';
import { RunEndpoints } from '../pipeline/endpoints.js';
import { listLocal } from '../sources/local-source.js';
import { isHttpSpec } from '../transport/http/url.js';
import { isSftpSpec } from '../transport/sftp/address.js';
import { withExamples } from './examples.js';
import { explicitOptions } from './process-command.js';
import { createLogger, silentLogger } from '../util/logger.js';
import { ConfigError } from '../errors/errors.js';

export function verifyCommand(): Command {
  const cmd = new Command('verify')
    .description("check a batch against its .info transfer-control file (each part's byte size, MD5 and line count, the totals, no part missing or unlisted); exit 1 on any difference")
    .argument('<file.info>', 'the .info file: a path, sftp://user@host/path/x.info, account:NAME/x.info or https://...')
    .option('--sftp-key <path>', 'SSH private key (passphrase from AUDIENCE_PIPE_SFTP_PASSPHRASE; password auth from AUDIENCE_PIPE_SFTP_PASSWORD)')
    .option('--sftp-host-key <fingerprint>', 'pinned server host key, SHA256:...')
    .option('--known-hosts <file>', 'OpenSSH known_hosts file (default: ~/.ssh/known_hosts)')
    .option('--sftp-insecure-accept-any-host-key', 'accept any SFTP host key (warned on every run)')
    .option('--retries <n>', 'transport retries (default: 3)')
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
  const endpoints = new RunEndpoints(config, log);
  const signal = new AbortController().signal;
  const infoSource = await endpoints.sourceFor(spec);
  try {
    const [infoPart] = await infoSource.parts(signal);
    const { body, shown } = await readInfo(infoPart, signal);
    const root = controlRoot(fileNameOf(spec));
    const listed = new Set(body.files.map((f) => f.name));
    const beside = await besideParts(spec, endpoints, signal);
    // A directory may hold other batches: its files count when listed or named after this batch's root.
    const parts = beside.parts.filter((p) => listed.has(fileNameOf(p.name)) || fileNameOf(p.name).startsWith(root));
    try {
      const check = await checkBatch(body, shown, parts, signal);
      for (const part of check.parts) process.stdout.write(`${checkLine(part)}\n`);
      process.stdout.write(`${totalsLine(check)}\n`);
      const err = batchError(check, 'verify');
      if (err) throw err;
      return 0;
    } finally {
      await beside.close();
    }
  } finally {
    await infoSource.close?.();
    await endpoints.close();
  }
}

/** The data files beside the .info, and how to let go of their connection. */
async function besideParts(spec: string, endpoints: RunEndpoints, signal: AbortSignal): Promise<{ parts: BatchPart[]; close: () => Promise<void> }> {
  const dirOf = spec.slice(0, spec.lastIndexOf('/') + 1);
  if (isHttpSpec(spec)) {
    throw new ConfigError('verify: the files beside an https:// .info cannot be listed; check an HTTPS batch with process --in <url> --info <url>', 'file.info');
  }
  if (isSftpSpec(spec)) {
    const source = await endpoints.sourceFor(dirOf === '' ? spec : dirOf);
    try {
      return { parts: await source.parts(signal), close: async () => source.close?.() };
    } catch (err) {
      await source.close?.();
      // A directory that holds only the .info: every listed part is missing.
      if ((err as { code?: string }).code === 'ERR_SFTP_NO_MATCH') return { parts: [], close: async () => {} };
      throw err;
    }
  }
  const listedLocal = await listLocal(dirOf === '' ? '.' : dirOf, { allowEmpty: true });
  const source = await endpoints.sourceFor(dirOf === '' ? '.' : dirOf);
  const parts = listedLocal === undefined || listedLocal.data.length === 0 ? [] : await source.parts(signal);
  return { parts, close: async () => source.close?.() };
}
