/**
 * Turns flags, environment and a JSON config file into one frozen, validated ProcessConfig.
 * Precedence: flags over environment over config file over defaults. One zod schema
 * (schema.ts) checks every value; the checks across options follow. Every error names the
 * option or key and the bad value; no message ever contains a secret's value.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConfigError } from '../errors/errors.js';
import { checkEndpoints } from './endpoints.js';
import { ENV } from './env.js';
import { nearestName } from './nearest.js';
import { checkPassthrough } from './passthrough.js';
import { describeIssue, processOptionsSchema } from './schema.js';
import { camel, kebab, PROCESS_OPTION_KEYS, type RawOptions } from './options.js';
import { deepFreeze, hideKeys, hideSecrets } from './freeze.js';
import { readDefaultKey, readNamedKeys } from './keys.js';
import { buildOps } from './ops.js';
import { DEFAULT_KEY, type AesKeyPair, type ProcessConfig } from './types.js';
import { BadValue, byteSize } from './values.js';

export type { RawOptions };

/**
 * libphonenumber-js costs the CLI about 18 MB to load (zod as much: see schema.ts): it is
 * loaded only for a default country. createRequire keeps this module synchronous.
 */
const lazyRequire = createRequire(import.meta.url);

/** Secrets a program hands over directly (the CLI reads them from the environment). */
export interface SecretOptions {
  /** 16, 24 or 32 bytes, or them in hex. */
  readonly aesKey?: string | Uint8Array;
  readonly sftpPassword?: string;
  readonly sftpPassphrase?: string;
}

/** Reads a JSON config file whose keys are the flags' long names (kebab-case or camelCase). */
export function readConfigFile(path: string): RawOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`--config: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'config', err);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`--config: ${path} is not valid JSON: ${(err as Error).message}`, 'config', err);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`--config: ${path} must hold a JSON object`, 'config');
  }
  const out: RawOptions = {};
  for (const [key, value] of Object.entries(parsed)) out[camel(key)] = value;
  return out;
}

/** Parses `1048576`, `4MiB`, `512KiB`, `1MB`, `64k`. */
export function parseByteSize(value: unknown, option: string): number {
  return named(option, () => byteSize(value));
}

function named<T>(option: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof BadValue) throw new ConfigError(`--${option}: ${err.message}`, option);
    throw err;
  }
}

function checkKeys(layer: RawOptions, where: string): void {
  for (const key of Object.keys(layer)) {
    if (key === '$schema' || (PROCESS_OPTION_KEYS as readonly string[]).includes(key)) continue;
    throw new ConfigError(`${where}: unknown key '${kebab(key)}' (did you mean '${kebab(nearestName(key, PROCESS_OPTION_KEYS)!)}'?)`, where === '--config' ? 'config' : kebab(key));
  }
}

/**
 * Merges the layers and validates. `cli` holds flag and environment values (flags win there),
 * or a program's options; `file` the config file's values; `secrets` what a program hands over
 * instead of the environment's AUDIENCE_PIPE_AES_KEY, _SFTP_PASSWORD, _SFTP_PASSPHRASE.
 */
export function buildProcessConfig(cli: RawOptions, file: RawOptions, env: NodeJS.ProcessEnv = process.env, secrets: SecretOptions = {}): ProcessConfig {
  checkKeys(file, '--config');
  checkKeys(cli, 'options');
  const merged: RawOptions = { ...file };
  for (const [k, v] of Object.entries(cli)) if (v !== undefined) merged[k] = v;
  const checked = processOptionsSchema().safeParse(merged);
  if (!checked.success) {
    const { message, option } = describeIssue(checked.error, merged);
    throw new ConfigError(message, option);
  }
  const o = checked.data;

  const ops = buildOps(o);
  const from = o.from;
  const to = o.to ?? (from === 'aam-outbound' ? 'csv' : from);
  const named = readNamedKeys(o.keys);
  const aesKey = readDefaultKey(o.aesKeyFile, secrets.aesKey, env);
  const needsDefault = ops.find((op) => op.params.key === DEFAULT_KEY);
  if (needsDefault && !aesKey) throw new ConfigError(`--${needsDefault.op} needs a key: --aes-key-file <path> or ${ENV.aesKey}`, needsDefault.op);
  if (needsDefault && !o.aesIv) throw new ConfigError(`--${needsDefault.op} needs an IV: --aes-iv <32 hex digits>`, 'aes-iv');
  const keys: Record<string, AesKeyPair> = aesKey && o.aesIv ? { [DEFAULT_KEY]: { key: aesKey, iv: o.aesIv } } : {};
  Object.assign(keys, named);

  const isSupportedCountry = (code: string): boolean => (lazyRequire('libphonenumber-js') as typeof import('libphonenumber-js')).isSupportedCountry(code);
  if (o.defaultCountry !== undefined && (!/^[A-Z]{2}$/.test(o.defaultCountry) || !isSupportedCountry(o.defaultCountry))) {
    throw new ConfigError(`--default-country: '${o.defaultCountry}' is not an ISO 3166-1 alpha-2 country with a phone numbering plan`, 'default-country');
  }
  if (o.delimiter === o.escape && o.escape !== 0x22) throw new ConfigError('--escape: must differ from --delimiter', 'escape');
  if (o.delimiter === 0x22) throw new ConfigError('--delimiter: the quote character cannot be the delimiter', 'delimiter');

  const config: ProcessConfig = {
    in: o.in ?? '-',
    out: o.out ?? '-',
    ops,
    cipherEncoding: o.cipherEncoding,
    delimiter: o.delimiter,
    escape: o.escape,
    workers: o.workers,
    chunkSize: o.chunkSize,
    maxRecordBytes: o.maxRecordBytes,
    maxRejects: o.maxRejects,
    rejects: o.rejects,
    report: o.report,
    logLevel: o.logLevel,
    passthrough: o.passthrough,
    transport: {
      name: o.name,
      sftpKey: o.sftpKey,
      sftpHostKey: o.sftpHostKey,
      knownHosts: o.knownHosts,
      sftpInsecureAcceptAnyHostKey: o.sftpInsecureAcceptAnyHostKey,
      retries: o.retries,
      deleteAfter: o.deleteAfter,
      moveAfter: o.moveAfter,
      tmpDir: o.tmpDir,
      accounts: o.accounts,
    },
    from,
    to,
    aamOutbound: { fieldSeparator: o.fieldSeparator, listSeparator: o.listSeparator },
    select: o.select,
    aamInbound: {
      idColumn: o.idColumn,
      traits: o.trait,
      traitsColumn: o.traitsColumn,
      removedTraitsColumn: o.removedTraitsColumn,
      signals: o.signal,
      dpid: o.dpid,
      targetDpid: o.targetDpid,
      mode: o.mode,
    },
    files: {
      splitRows: o.splitRows,
      splitBytes: o.splitBytes,
      partitionBy: o.partitionBy,
      maxAudiences: o.maxAudiences,
      timestamp: o.timestamp,
      destination: o.destination,
      segment: o.segment,
      writeInfo: o.writeInfo,
      gzip: o.gzip,
    },
    guardrails: {
      // A deduplication key cannot be empty: its columns are mandatory too.
      mandatory: [...new Set([...o.mandatory, ...(o.dedupKey ?? [])])],
      dedupKey: o.dedupKey,
      dedupOrder: o.dedupOrder,
      duplicates: o.duplicates,
      membershipStatus: o.membershipStatus,
      maxFields: o.maxFields,
    },
    info: o.info,
    secrets: hideSecrets(
      {
        aesKey,
        sftpPassword: secrets.sftpPassword ?? (env[ENV.sftpPassword] || undefined),
        sftpPassphrase: secrets.sftpPassphrase ?? (env[ENV.sftpPassphrase] || undefined),
      },
      hideKeys(keys),
    ),
  };
  checkFormatOptions(config);
  // --delimiter and --escape name a CSV dialect: the input's with --from csv, the output's with --to csv.
  const dialectOption = ['delimiter', 'escape'].find((k) => merged[k] !== undefined);
  if (dialectOption && config.from !== 'csv' && config.to !== 'csv') {
    throw new ConfigError(`--${dialectOption} names the dialect of --from csv or --to csv; ${config.from} and ${config.to} have their own (see Formats in the README)`, dialectOption);
  }
  checkPassthrough(config);
  const frozen = deepFreeze(config);
  checkEndpoints(frozen);
  return frozen;
}

/** DPIDs of device-ID files (GAID, IDFA), which also need the customer's data source. */
const DEVICE_DPIDS = new Set([20914, 20915]);

/** The checks across the format, file and guardrail options. */
function checkFormatOptions(config: ProcessConfig): void {
  const { aamInbound: aam, files, guardrails, from, to } = config;
  const given = (option: string, value: unknown): boolean => value !== undefined && !(Array.isArray(value) && value.length === 0);
  if (to === 'aam-inbound') {
    if (aam.dpid === undefined) throw new ConfigError('--to aam-inbound needs --dpid <n>: the data provider ID the file is for (it names the file)', 'dpid');
    if (DEVICE_DPIDS.has(aam.dpid) && aam.targetDpid === undefined) {
      throw new ConfigError(`--dpid ${aam.dpid} is a device-ID file (${aam.dpid === 20914 ? 'GAID' : 'IDFA'}): it needs --target-dpid <n>, the customer's data source`, 'target-dpid');
    }
    if (aam.idColumn === undefined) throw new ConfigError('--to aam-inbound needs --id-column <column>: the column of the user IDs', 'id-column');
  } else {
    const aamOnly: [string, unknown][] = [['id-column', aam.idColumn], ['trait', aam.traits], ['traits-column', aam.traitsColumn], ['removed-traits-column', aam.removedTraitsColumn], ['signal', aam.signals], ['target-dpid', aam.targetDpid], ['write-info', files.writeInfo || undefined]];
    const stray = aamOnly.find(([option, value]) => given(option, value));
    if (stray) throw new ConfigError(`--${stray[0]} is an AAM inbound option: it needs --to aam-inbound (the output is ${to})`, stray[0]);
  }
  if (from !== 'aam-outbound') {
    if (config.aamOutbound.fieldSeparator !== undefined) throw new ConfigError('--field-separator is an AAM outbound option: it needs --from aam-outbound', 'field-separator');
  }
  if (files.splitRows !== undefined && files.splitBytes !== undefined) throw new ConfigError('--split-rows and --split-bytes exclude each other: give one', 'split-bytes');
  if (guardrails.dedupOrder !== undefined && guardrails.dedupKey === undefined) throw new ConfigError('--dedup-order needs --dedup-key <column>', 'dedup-order');
  if (guardrails.duplicates !== undefined && guardrails.dedupKey === undefined) throw new ConfigError('--duplicates needs --dedup-key <column>', 'duplicates');
  if (config.out === '-' && (files.splitRows !== undefined || files.splitBytes !== undefined || files.partitionBy !== undefined)) {
    throw new ConfigError(`--${files.partitionBy !== undefined ? 'partition-by' : files.splitRows !== undefined ? 'split-rows' : 'split-bytes'} writes several files: give --out <directory>/`, 'out');
  }
}
