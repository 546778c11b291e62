/**
 * What an input file's name says about it, for the report (`inputs[]`): the vendors name their
 * batch files by templates (DOMAIN.md), and the name is often the only place the destination,
 * the data provider, the mode or the export's time are written down.
 *
 * - AAM outbound: `<sync type>_<destination>_<DPID>_<full|iter>_<timestamp>[<split>][-<n>][.<ext>][.gz]`,
 *   e.g. `ftp_1234_20915_full_1486140843000.sync.gz`. The digits after `full_`/`iter_` are a
 *   13-digit millisecond timestamp when there are 13 or 16 and more of them, a 10-digit second
 *   timestamp otherwise; the digits after the timestamp are the split number (AAM appends at
 *   least 3). The vendor's own example numbers parts with a `-<n>` suffix instead.
 * - AAM inbound: `ftp_dpm_<DPID>[_<target DPID>]_<unix seconds>.<sync|overwrite>[.<part>][.gz]`.
 * - AEP: `<destination>_segment<id>_<yyyymmddhhmmss>[_<n>].csv[.gz]` (split parts `_2`, `_3`, ...).
 *
 * A name that matches none of them is no error: it simply says nothing. Pure.
 */

export interface FileNameMetadata {
  /** Which vendor template the name matches. */
  readonly pattern: 'aam-outbound' | 'aam-inbound' | 'aep';
  /** AAM outbound: how the file travels (`ftp`, `s3`, ...). */
  readonly syncType?: string;
  /** AAM outbound: the destination's ID; AEP: the destination's name. */
  readonly destination?: string;
  /** AAM: the data provider ID (outbound: the master DPID). */
  readonly dpid?: number;
  /** AAM inbound: the customer's data source of a device-ID file. */
  readonly targetDpid?: number;
  /** AAM outbound `full` or `iter`; AAM inbound `sync` or `overwrite`. */
  readonly mode?: 'full' | 'iter' | 'sync' | 'overwrite';
  /** AEP: the segment (audience) ID. */
  readonly segment?: string;
  /** The name's time, ISO 8601 in UTC. */
  readonly timestamp?: string;
  /** The time as the name writes it. */
  readonly timestampRaw?: string;
  /** The split number, when the name has one. */
  readonly part?: number;
  /** AAM outbound: the extension before `.gz` (`sync`, usually). */
  readonly extension?: string;
  readonly gzip: boolean;
}

/** One input file of a run as the report lists it. */
export type InputFileEntry = { readonly name: string } & Partial<FileNameMetadata>;

const AAM_OUTBOUND = /^([A-Za-z0-9]+)_(\d+)_(\d+)_(full|iter)_(\d{10,})(?:-(\d+))?(?:\.([A-Za-z0-9]+))?(\.gz)?$/;
const AAM_INBOUND = /^ftp_dpm_(\d+)(?:_(\d+))?_(\d{10})\.(sync|overwrite)(?:\.(\d+))?(\.gz)?$/;
const AEP = /^(.+)_segment([^_/]+)_(\d{14})(?:_(\d+))?\.csv(\.gz)?$/;

/** The metadata a file name carries, or undefined when it matches no vendor template. */
export function parseFileName(fileName: string): FileNameMetadata | undefined {
  // A URL's query and the directories are not part of the name.
  const clean = fileName.replace(/[?#].*$/, '');
  const name = clean.slice(clean.lastIndexOf('/') + 1);
  return aamOutbound(name) ?? aamInbound(name) ?? aep(name);
}

/** The report's entry for an input file: its name, with what the name says. */
export function inputFileEntry(name: string): InputFileEntry {
  return { name, ...parseFileName(name) };
}

function aamOutbound(name: string): FileNameMetadata | undefined {
  const m = AAM_OUTBOUND.exec(name);
  if (m === null) return undefined;
  const [, syncType, destination, dpid, mode, digits, dash, extension, gz] = m;
  const millis = digits.length === 13 || digits.length >= 16;
  const raw = digits.slice(0, millis ? 13 : 10);
  const split = digits.slice(raw.length);
  const timestamp = isoOf(Number(raw) * (millis ? 1 : 1000));
  if (timestamp === undefined) return undefined;
  const part = dash !== undefined ? Number(dash) : split !== '' ? Number(split) : undefined;
  return {
    pattern: 'aam-outbound',
    syncType,
    destination,
    dpid: Number(dpid),
    mode: mode as 'full' | 'iter',
    timestamp,
    timestampRaw: raw,
    ...(part === undefined ? {} : { part }),
    ...(extension === undefined ? {} : { extension }),
    gzip: gz !== undefined,
  };
}

function aamInbound(name: string): FileNameMetadata | undefined {
  const m = AAM_INBOUND.exec(name);
  if (m === null) return undefined;
  const [, dpid, target, seconds, mode, part, gz] = m;
  return {
    pattern: 'aam-inbound',
    dpid: Number(dpid),
    ...(target === undefined ? {} : { targetDpid: Number(target) }),
    mode: mode as 'sync' | 'overwrite',
    timestamp: isoOf(Number(seconds) * 1000),
    timestampRaw: seconds,
    ...(part === undefined ? {} : { part: Number(part) }),
    gzip: gz !== undefined,
  };
}

function aep(name: string): FileNameMetadata | undefined {
  const m = AEP.exec(name);
  if (m === null) return undefined;
  const [, destination, segment, stamp, part, gz] = m;
  const [y, mo, d, h, mi, s] = [stamp.slice(0, 4), stamp.slice(4, 6), stamp.slice(6, 8), stamp.slice(8, 10), stamp.slice(10, 12), stamp.slice(12, 14)].map(Number);
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // 20171332... is no date: Date.UTC would roll it over into the next year.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || date.getUTCHours() !== h || date.getUTCMinutes() !== mi || date.getUTCSeconds() !== s) return undefined;
  return {
    pattern: 'aep',
    destination,
    segment,
    timestamp: date.toISOString(),
    timestampRaw: stamp,
    ...(part === undefined ? {} : { part: Number(part) }),
    gzip: gz !== undefined,
  };
}

function isoOf(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
