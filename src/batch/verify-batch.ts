/**
 * `audience-pipe verify <file.info>` as a function: a batch's `.info` read and the data files
 * beside it checked against it. The data files are those of the .info's directory (local or SFTP)
 * that it lists or that are named after its root, so other batches in the same directory do not
 * count. An https:// .info has no listing beside it: `process --in <url> --info <url>` checks
 * such a batch.
 */
import { buildProcessConfig, type SecretOptions } from '../config/load.js';
import type { ProcessOptions } from '../config/types.js';
import { ConfigError } from '../errors/errors.js';
import { RunEndpoints } from '../pipeline/endpoints.js';
import { listLocal } from '../sources/local-source.js';
import { isHttpSpec } from '../transport/http/url.js';
import { isSftpSpec } from '../transport/sftp/address.js';
import type { Logger } from '../util/logger.js';
import { silentLogger } from '../util/logger.js';
import { asInfoError, readInfo } from './batch-source.js';
import { controlRoot } from './control-file.js';
import { checkBatch, fileNameOf, type BatchCheck, type BatchPart } from './verify.js';

/** The transport options a .info on SFTP needs (as `process` takes them). */
export type VerifyOptions = Pick<ProcessOptions, 'sftpKey' | 'sftpHostKey' | 'knownHosts' | 'sftpInsecureAcceptAnyHostKey' | 'retries' | 'accounts'>;

/**
 * Checks the batch of the .info `spec` (a path, `sftp://...` or `account:NAME/...`). Resolves
 * with every part's outcome whether it matches or not (`ok`); rejects when the .info cannot be
 * read or parsed (ERR_INFO, a transport's code). No AUDIENCE_PIPE_* variable is read.
 */
export async function verifyBatch(spec: string, options: VerifyOptions = {}, extras: SecretOptions & { readonly signal?: AbortSignal; readonly logger?: Logger } = {}): Promise<BatchCheck> {
  const config = buildProcessConfig({ ...options, in: spec, passthrough: true }, {}, {}, extras);
  return checkInfoFile(spec, new RunEndpoints(config, extras.logger ?? silentLogger()), extras.signal ?? new AbortController().signal);
}

/** The check, with the endpoints of a configuration built by the caller (the CLI's, from flags and environment). */
export async function checkInfoFile(spec: string, endpoints: RunEndpoints, signal: AbortSignal): Promise<BatchCheck> {
  if (isHttpSpec(spec)) {
    throw new ConfigError('verify: the files beside an https:// .info cannot be listed; check an HTTPS batch with process --in <url> --info <url>', 'file.info');
  }
  const infoSource = await endpoints.sourceFor(spec);
  try {
    const { body, shown } = await infoSource.parts(signal).then(([infoPart]) => readInfo(infoPart, signal)).catch((err: unknown) => {
      throw asInfoError(err, 'verify');
    });
    const root = controlRoot(fileNameOf(spec));
    const listed = new Set(body.files.map((f) => f.name));
    const beside = await besideParts(spec, endpoints, signal);
    try {
      // A directory may hold other batches: its files count when listed or named after this batch's root.
      const parts = beside.parts.filter((p) => listed.has(fileNameOf(p.name)) || fileNameOf(p.name).startsWith(root));
      return await checkBatch(body, shown, parts, signal);
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
  const dir = dirOf === '' ? '.' : dirOf;
  const listed = await listLocal(dir, { allowEmpty: true });
  const source = await endpoints.sourceFor(dir);
  const parts = listed === undefined || listed.data.length === 0 ? [] : await source.parts(signal);
  return { parts, close: async () => source.close?.() };
}
