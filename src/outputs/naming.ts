/**
 * The names of the output files when `--out` is a directory: one of four styles, chosen in
 * this order.
 *
 * - `--name <template>`: a plain name (`seg.csv`) or one with placeholders (PLACEHOLDERS).
 * - AAM inbound (`--to aam-inbound`): `ftp_dpm_<DPID>[_<TARGET>]_<unix seconds>.<sync|overwrite>[.<part>][.gz]`,
 *   the part number only when there is more than one part.
 * - AEP style (`--destination`): `<destination>_segment<id>_<yyyymmddhhmmss>.csv`, the segment
 *   being the partition's value (`--partition-by`) or `--segment`.
 * - Otherwise the input file's name, as a directory output has always had.
 *
 * Parts after the first of a name without a part placeholder get `_<n>` before the extension
 * (`seg.csv`, `seg_2.csv`: AEP's rule); a partition value without a placeholder is added as
 * `_<value>` before the extension. The extension is the last `.xxx`, with the one before it when
 * the last is `.gz` (`seg.csv.gz` -> `seg_2.csv.gz`). A name ending in `.gz` is gzipped, and a
 * gzipped output's name gets `.gz` if it lacks it. Pure: the clock is a parameter.
 */
import { ConfigError, RunError } from '../errors/errors.js';

/** What a run's output files are called. */
export interface OutputNaming {
  /**
   * The final file name of part `part` (1-based) of `parts` of partition `partition` (undefined:
   * no partitioning). Called once the run knows how many parts each partition has, so AAM's "no
   * part number when there is one part" holds. Throws ConfigError (exit 2) for a name over 255
   * bytes, RunError ERR_NAME_COLLISION when two partitions' values sanitise to one name.
   */
  name(file: { partition?: string; part: number; parts: number }): string;
  /** True when the files are gzipped: `--gzip`, or a name that ends in `.gz`. */
  readonly gzip: boolean;
  /** Which rule names the files. */
  readonly style: 'template' | 'aam-inbound' | 'aep' | 'input';
}

/** The configuration's part that names files: ProcessConfig has these fields (src/config/types.ts). */
export interface NamingConfig {
  readonly to?: string;
  readonly transport: { readonly name?: string };
  readonly files?: {
    readonly timestamp?: number;
    readonly destination?: string;
    readonly segment?: string;
    readonly partitionBy?: string;
    readonly gzip?: boolean;
  };
  readonly aamInbound?: { readonly dpid?: number; readonly targetDpid?: number; readonly mode?: 'sync' | 'overwrite' };
}

/** The same, flat: what the naming rules need, easy to build in a test. */
export interface NamingOptions {
  /** The output format's name; 'aam-inbound' picks AAM's rule. */
  readonly format?: string;
  /** `--name`. */
  readonly template?: string;
  /** The input file's name (a directory output without a rule takes it). */
  readonly inputName?: string;
  readonly dpid?: number;
  readonly targetDpid?: number;
  readonly mode?: 'sync' | 'overwrite';
  /** Unix seconds. */
  readonly timestamp: number;
  readonly destination?: string;
  readonly segment?: string;
  /** True with `--partition-by`: `{partition}` is then allowed, and AAM's rule refused. */
  readonly partitioned?: boolean;
  readonly gzip?: boolean;
}

/** File systems (ext4, xfs, NTFS in UTF-16 units) and AEP's destination allow 255. */
export const MAX_NAME_BYTES = 255;

/** The placeholders of `--name`, with what each one becomes (README "### Names" says the same). */
export const PLACEHOLDERS = {
  dpid: '--dpid',
  target: '--target-dpid',
  timestamp: 'the unix seconds of --timestamp, or of the run\'s start (10 digits)',
  date: 'the same moment as yyyymmddhhmmss, UTC',
  mode: '--mode: sync or overwrite',
  part: 'the part number, 1, 2, ... (also for a single part)',
  '.part': '.<n> when the partition has more than one part, nothing for a single part (AAM\'s rule)',
  '_part': '_<n> from the second part on, nothing on the first (AEP\'s rule)',
  parts: 'how many parts the partition has',
  partition: 'the --partition-by value, sanitised',
  segment: 'the --partition-by value, sanitised, or --segment',
  destination: '--destination, sanitised',
} as const;

type Placeholder = keyof typeof PLACEHOLDERS;
const PLACEHOLDER_RE = /\{([._]?[A-Za-z0-9_]+)\}/g;
const PART_PLACEHOLDERS: readonly Placeholder[] = ['part', '.part', '_part'];

/** Characters outside `[A-Za-z0-9._-]` become `_`, so a value is one file-name segment. */
export function sanitizePartition(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The naming of a run's outputs, from its configuration; `now` is the run's start. */
export function outputNaming(config: NamingConfig, inputName: string | undefined, now: Date): OutputNaming {
  const files = config.files ?? {};
  const aam = config.aamInbound ?? {};
  return namingFor({
    format: config.to,
    template: config.transport.name,
    inputName,
    dpid: aam.dpid,
    targetDpid: aam.targetDpid,
    mode: aam.mode,
    timestamp: files.timestamp ?? Math.floor(now.getTime() / 1000),
    destination: files.destination,
    segment: files.segment,
    partitioned: files.partitionBy !== undefined,
    gzip: files.gzip,
  });
}

/**
 * The naming rules. Whatever can be checked without a partition value is checked here (a
 * template's placeholders, a missing --dpid, the length of the first name), so a bad option
 * stops the run before anything is written.
 */
export function namingFor(options: NamingOptions): OutputNaming {
  const naming = new Naming(options);
  // The first file's name, to find a configuration error now rather than at the end of the run.
  if (!options.partitioned) naming.render(undefined, 1, 1);
  return naming;
}

class Naming implements OutputNaming {
  readonly style: OutputNaming['style'];
  readonly gzip: boolean;
  /** Names given so far, each with the file it was given to. */
  private readonly given = new Map<string, string>();

  constructor(private readonly o: NamingOptions) {
    if (o.template !== undefined) this.style = 'template';
    else if (o.format === 'aam-inbound') this.style = 'aam-inbound';
    else if (o.destination !== undefined) this.style = 'aep';
    else this.style = 'input';
    this.check();
    const stated = this.style === 'template' ? o.template : this.style === 'input' ? o.inputName : undefined;
    this.gzip = o.gzip === true || (stated !== undefined && /\.gz$/i.test(stated));
  }

  name(file: { partition?: string; part: number; parts: number }): string {
    const { part, parts } = file;
    if (!Number.isSafeInteger(part) || !Number.isSafeInteger(parts) || part < 1 || part > parts) {
      throw new RunError('ERR_INTERNAL', `output naming: part ${part} of ${parts}`);
    }
    const name = this.render(file.partition, part, parts);
    this.claim(name, file.partition, part);
    return name;
  }

  /** The name, checked, without claiming it. */
  render(partition: string | undefined, part: number, parts: number): string {
    const value = partition === undefined ? undefined : sanitizePartition(partition);
    let name: string;
    if (this.style === 'aam-inbound') name = this.aamName(part, parts);
    else if (this.style === 'aep') name = this.aepName(value, part);
    else if (this.style === 'template') name = this.templateName(value, part, parts);
    else name = withSuffixes(this.inputFileName(), value, part);
    if (this.gzip && !/\.gz$/i.test(name)) name += '.gz';
    checkName(name, this.o.template);
    return name;
  }

  private check(): void {
    const o = this.o;
    if (this.style === 'aam-inbound') {
      if (o.dpid === undefined) throw new ConfigError('--dpid is required to name AAM inbound files (ftp_dpm_<DPID>_<timestamp>.sync)', '--dpid');
      // AAM reads its name field by field: any value in it would make the file unreadable to AAM.
      if (o.partitioned) {
        throw new ConfigError('--partition-by: an AAM inbound file name (ftp_dpm_<DPID>_<timestamp>.sync) has no place for the value; give --name with {partition}', '--partition-by');
      }
    }
    if (this.style === 'aep' && o.segment === undefined && !o.partitioned) {
      throw new ConfigError('--destination: an AEP-style name (<destination>_segment<id>_<date>.csv) needs --segment <id> or --partition-by <column>', '--segment');
    }
    if (this.style === 'template') {
      for (const [, key] of o.template!.matchAll(PLACEHOLDER_RE)) {
        if (!Object.hasOwn(PLACEHOLDERS, key)) {
          throw new ConfigError(`--name: unknown placeholder {${key}} in "${o.template}" (known: ${Object.keys(PLACEHOLDERS).map((k) => `{${k}}`).join(' ')})`, '--name');
        }
        const missing = this.missing(key as Placeholder);
        if (missing !== undefined) throw new ConfigError(`--name: {${key}} in "${o.template}" needs ${missing}`, '--name');
      }
    }
    if (this.style === 'input' && (o.inputName === undefined || this.inputFileName() === '')) {
      throw new ConfigError('--out names a directory and the input has no file name: give --name <file name>', '--name', undefined, 'ERR_TARGET');
    }
  }

  /** The option a placeholder needs and lacks, if any. */
  private missing(key: Placeholder): string | undefined {
    const o = this.o;
    if (key === 'dpid' && o.dpid === undefined) return '--dpid';
    if (key === 'target' && o.targetDpid === undefined) return '--target-dpid';
    if (key === 'partition' && !o.partitioned) return '--partition-by';
    if (key === 'segment' && !o.partitioned && o.segment === undefined) return '--segment or --partition-by';
    if (key === 'destination' && o.destination === undefined) return '--destination';
    return undefined;
  }

  private aamName(part: number, parts: number): string {
    const o = this.o;
    const target = o.targetDpid === undefined ? '' : `_${o.targetDpid}`;
    return `ftp_dpm_${o.dpid}${target}_${o.timestamp}.${o.mode ?? 'sync'}${parts > 1 ? `.${part}` : ''}`;
  }

  private aepName(value: string | undefined, part: number): string {
    const o = this.o;
    const segment = value ?? sanitizePartition(o.segment!);
    return withSuffixes(`${sanitizePartition(o.destination!)}_segment${segment}_${compactDate(o.timestamp)}.csv`, undefined, part);
  }

  private templateName(value: string | undefined, part: number, parts: number): string {
    const o = this.o;
    const template = o.template!;
    const keys = new Set([...template.matchAll(PLACEHOLDER_RE)].map((m) => m[1] as Placeholder));
    const values: Record<Placeholder, () => string> = {
      dpid: () => String(o.dpid),
      target: () => String(o.targetDpid),
      timestamp: () => String(o.timestamp),
      date: () => compactDate(o.timestamp),
      mode: () => o.mode ?? 'sync',
      part: () => String(part),
      '.part': () => (parts > 1 ? `.${part}` : ''),
      '_part': () => (part > 1 ? `_${part}` : ''),
      parts: () => String(parts),
      partition: () => value ?? '',
      segment: () => value ?? sanitizePartition(o.segment ?? ''),
      destination: () => sanitizePartition(o.destination ?? ''),
    };
    const filled = template.replace(PLACEHOLDER_RE, (_all, key: Placeholder) => values[key]());
    const placesValue = keys.has('partition') || keys.has('segment');
    const placesPart = PART_PLACEHOLDERS.some((k) => keys.has(k));
    return withSuffixes(filled, placesValue ? undefined : value, placesPart ? 1 : part);
  }

  /** The input's file name: its last path segment, without a URL's query. */
  private inputFileName(): string {
    const raw = (this.o.inputName ?? '').replace(/[?#].*$/, '');
    return raw.slice(raw.lastIndexOf('/') + 1);
  }

  /** Two files must never get one name: two partition values can sanitise to the same text. */
  private claim(name: string, partition: string | undefined, part: number): void {
    const who = `${partition ?? ''}\0${part}`;
    const before = this.given.get(name);
    if (before === undefined) this.given.set(name, who);
    else if (before !== who) {
      const [value, first] = before.split('\0');
      throw new RunError('ERR_NAME_COLLISION', `output file name ${name} is given to two files: partition value '${value}' part ${first} and '${partition ?? ''}' part ${part} (in names, characters outside [A-Za-z0-9._-] become _)`);
    }
  }
}

/** `base_<value>_<n>.ext`: the partition value, then the part number from the second part on. */
function withSuffixes(name: string, value: string | undefined, part: number): string {
  const { stem, ext } = splitExtension(name);
  return `${stem}${value === undefined ? '' : `_${value}`}${part > 1 ? `_${part}` : ''}${ext}`;
}

/** `seg.csv.gz` -> `seg` + `.csv.gz`; `seg.csv` -> `seg` + `.csv`; a leading dot is not an extension. */
export function splitExtension(name: string): { stem: string; ext: string } {
  let cut = name.lastIndexOf('.');
  if (cut <= 0) return { stem: name, ext: '' };
  if (/^\.gz$/i.test(name.slice(cut))) {
    const inner = name.lastIndexOf('.', cut - 1);
    if (inner > 0) cut = inner;
  }
  return { stem: name.slice(0, cut), ext: name.slice(cut) };
}

/** yyyymmddhhmmss in UTC, AEP's timestamp in names. */
function compactDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, '').replace(/[-T:]/g, '');
}

function checkName(name: string, template: string | undefined): void {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    const from = template === undefined ? 'the input' : `--name "${template}"`;
    throw new ConfigError(`${from} does not give a plain file name (got "${name}")`, '--name');
  }
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_NAME_BYTES) {
    throw new ConfigError(`output file name is ${bytes} bytes long, over the limit of ${MAX_NAME_BYTES}: ${name.slice(0, 60)}...`, '--name');
  }
}
