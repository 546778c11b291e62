/**
 * The routing stage on hand-built chunks (ChunkResult objects as the worker contract describes
 * them: recordEnds, recordLines, probes), with real local files in a temporary directory.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { AccountedChunk } from '../../src/pipeline/account.js';
import { localFileTarget, type FileTarget } from '../../src/outputs/file-targets.js';
import { OutputSet } from '../../src/outputs/output-set.js';
import { namingFor } from '../../src/outputs/naming.js';
import { routeOutput, type RouteRunOptions } from '../../src/pipeline/route-run.js';
import { probePlan, type RouteSettings } from '../../src/pipeline/route-settings.js';
import type { ChunkResult } from '../../src/protocol/messages.js';
import { RejectsWriter } from '../../src/report/rejects-writer.js';
import { RunAccounting } from '../../src/report/run-report.js';

/** One written record: its output line (without LF) and its input line number. */
export interface Rec {
  readonly out: string;
  /** Probe values, in the probe plan's order (bytes as they are, for malformed values). */
  readonly probes?: readonly (string | Buffer)[];
}

/** A chunk of `recs` as a worker would return it, each record one line, after `lineBase` line feeds. */
export function chunkOf(recs: readonly Rec[], lineBase = 0, probeCount = recs[0]?.probes?.length ?? 0): AccountedChunk {
  const outs = recs.map((r) => Buffer.from(`${r.out}\n`));
  const out = Buffer.concat(outs);
  const recordEnds = new Int32Array(recs.length);
  let at = 0;
  outs.forEach((b, i) => (recordEnds[i] = at += b.length));
  const recordLines = Int32Array.from(recs.map((_, i) => i));
  const values = recs.flatMap((r) => (r.probes ?? []).map((v) => (typeof v === 'string' ? Buffer.from(v) : v)));
  const offsets = new Int32Array(recs.length * probeCount + 1);
  let p = 0;
  values.forEach((v, k) => (offsets[k + 1] = p += v.length));
  const result = {
    input: new ArrayBuffer(0),
    out: out.buffer.slice(out.byteOffset, out.byteOffset + out.length),
    outLength: out.length,
    recordEnds,
    recordLines,
    probes: { bytes: new Uint8Array(Buffer.concat(values)).buffer, offsets },
    lineFeeds: recs.length,
    records: recs.length,
    recordsOut: recs.length,
    blankLines: 0,
    phonesNeedingCountry: 0,
    columnCounts: new Float64Array(0),
    rejects: { count: 0, lineOffsets: new Int32Array(0), reasons: new Uint8Array(0), columns: new Int32Array(0), rawOffsets: new Int32Array(1), raw: new ArrayBuffer(0), recordLengths: new Int32Array(0) },
  } as ChunkResult;
  return { result, out, lineBase };
}

export interface RouteTest {
  readonly settings: Partial<RouteSettings>;
  /** Input columns, for the probe plan. */
  readonly columns: readonly string[];
  readonly chunks: readonly AccountedChunk[];
  readonly dir: string;
  readonly header?: string;
  readonly gzip?: boolean;
  readonly base?: string;
  readonly rejects?: string;
  readonly duplicates?: string;
  readonly target?: FileTarget;
  /** Thrown by the input after this many chunks. */
  readonly failAfter?: number;
  readonly info?: RouteRunOptions['info'];
}

/** Runs the stage and publishes like the run does (commit, or abort on failure). */
export async function route(t: RouteTest): Promise<{ accounting: RunAccounting; error?: unknown }> {
  const settings: RouteSettings = { maxAudiences: 25, aamInbound: false, writeInfo: false, gzip: false, ...t.settings };
  const probes = probePlan(settings, t.columns);
  const accounting = new RunAccounting();
  const outputs = new OutputSet();
  const files = outputs.group();
  const rejects = t.rejects ? new RejectsWriter(t.rejects) : undefined;
  const duplicates = t.duplicates ? new RejectsWriter(t.duplicates, 'duplicates', 'ERR_DUPLICATES') : undefined;
  for (const w of [rejects, duplicates]) {
    if (!w) continue;
    outputs.add(w);
    await w.open();
  }
  async function* chunks(): AsyncGenerator<AccountedChunk> {
    let n = 0;
    for (const c of t.chunks) {
      if (t.failAfter !== undefined && n++ === t.failAfter) throw Object.assign(new Error('injected failure'), { code: 'ERR_INJECTED' });
      accounting.addChunk(c.result);
      yield c;
    }
  }
  try {
    await routeOutput(chunks(), {
      settings,
      probes,
      target: t.target ?? localFileTarget(t.dir),
      naming: namingFor({ template: t.base ?? 'seg.csv', timestamp: 0, partitioned: settings.partitionBy !== undefined }),
      files,
      ...(t.header ? { header: Buffer.from(`${t.header}\n`) } : {}),
      gzip: t.gzip ?? false,
      accounting,
      ...(rejects ? { rejects } : {}),
      ...(duplicates ? { duplicates } : {}),
      ...(t.info ? { info: t.info } : {}),
      signal: new AbortController().signal,
    });
    const imbalance = accounting.imbalance();
    if (imbalance) throw new Error(imbalance);
    await outputs.commit();
    return { accounting };
  } catch (error) {
    await outputs.abort(error);
    return { accounting, error };
  }
}

/** The files of `dir` (dot files included), sorted. */
export const filesIn = (dir: string): string[] => readdirSync(dir).sort();

/** A file's lines (gunzipped when it ends .gz), without the final empty one. */
export function linesOf(path: string): string[] {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  return text.split('\n').slice(0, -1);
}

export const pathIn = (dir: string, name: string): string => join(dir, name);
