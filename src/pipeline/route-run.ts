/**
 * The routing stage as the run calls it: the accounted chunks in, the run's files out (each
 * registered in the run's OutputSet, published with the other outputs at the end, or none).
 * With `--dedup-order` the chunks are first spooled (pass 1, dedup-spool.ts) while the winners
 * are decided, then replayed through the router (pass 2); otherwise they are routed as they come.
 */
import type { FileTarget } from '../outputs/file-targets.js';
import { OutputFile, type LineCount, type OutputFileInfo, type Tally } from '../outputs/output-files.js';
import type { OutputPart } from '../outputs/output-set.js';
import type { RejectSink, RejectsWriter } from '../report/rejects-writer.js';
import type { RunAccounting } from '../report/run-report.js';
import type { AccountedChunk } from './account.js';
import { DedupSpool } from './dedup-spool.js';
import { FirstWins, OrderWinners } from './dedup.js';
import { routedChunk } from './route-chunk.js';
import { Router, type FileNaming } from './route.js';
import type { ProbePlan, RouteSettings } from './route-settings.js';

export interface RouteRunOptions {
  readonly settings: RouteSettings;
  readonly probes: ProbePlan;
  readonly target: FileTarget;
  readonly naming: FileNaming;
  /** The run's OutputSet's place for the files (OutputSet.group()). */
  readonly files: { add(part: OutputPart): void };
  /** Written first in every file. */
  readonly header?: Buffer;
  readonly gzip: boolean;
  readonly accounting: RunAccounting;
  readonly rejects?: RejectSink;
  readonly duplicates?: RejectsWriter;
  /** `--write-info`: each file's lines are counted, and the .info file's name and body made for the files written. */
  readonly lineCounter?: () => LineCount;
  readonly info?: (files: readonly OutputFileInfo[]) => { name: string; body: string };
  /** Kept up to date with what the files were handed. */
  readonly tally?: Tally;
  /** Takes back a worker's output buffer once its bytes are written (ChunkDispatch.release). */
  readonly release?: (out: Buffer) => void;
  readonly signal: AbortSignal;
}

export async function routeOutput(chunks: AsyncIterable<AccountedChunk>, o: RouteRunOptions): Promise<OutputFileInfo[]> {
  const { settings, probes } = o;
  const group = o.files;
  const dedupColumn = (settings.dedupKey ?? []).join(',');
  const base = {
    target: o.target,
    register: (part: OutputPart) => group.add(part),
    ...(o.header ? { header: o.header } : {}),
    gzip: o.gzip,
    ...(settings.splitRows === undefined ? {} : { splitRows: settings.splitRows }),
    ...(settings.splitBytes === undefined ? {} : { splitBytes: settings.splitBytes }),
    ...(probes.partition === undefined ? {} : { partition: { probe: probes.partition, column: settings.partitionBy!, max: settings.maxAudiences } }),
    ...(probes.id === undefined ? {} : { idLimit: { probe: probes.id, column: settings.idColumn ?? 'id' } }),
    ...(o.lineCounter ? { lineCounter: o.lineCounter } : {}),
    ...(o.tally ? { tally: o.tally } : {}),
    probeCount: probes.fields.length,
    accounting: o.accounting,
    ...(o.rejects ? { rejects: o.rejects } : {}),
    signal: o.signal,
  };
  let router: Router;
  if (settings.dedupKey !== undefined && probes.order !== undefined) {
    const winners = new OrderWinners(probes.key, probes.order, probes.fields.length, probes.partition);
    const spool = await DedupSpool.create(settings.tmpDir);
    try {
      let seq = 0;
      for await (const item of chunks) {
        o.signal.throwIfAborted();
        const c = routedChunk(item);
        const keys = new Int32Array(c.records);
        for (let i = 0; i < c.records; i++) keys[i] = winners.offer(c, i, seq++);
        await spool.append(c, keys);
        o.release?.(c.out);
      }
      router = new Router({ ...base, dedup: { deduper: winners.deduper(), column: dedupColumn, ...(o.duplicates ? { duplicates: o.duplicates } : {}) } });
      for await (const c of spool.replay()) {
        o.signal.throwIfAborted();
        await router.chunk(c);
      }
    } finally {
      await spool.close();
    }
  } else {
    const dedup = settings.dedupKey === undefined ? undefined : { deduper: new FirstWins(probes.key, probes.fields.length, probes.partition), column: dedupColumn, ...(o.duplicates ? { duplicates: o.duplicates } : {}) };
    router = new Router({ ...base, ...(dedup ? { dedup } : {}) });
    for await (const item of chunks) {
      // The plain path's pipeline stops on the signal; here the loop does, chunk by chunk.
      o.signal.throwIfAborted();
      const { released } = await router.chunk(routedChunk(item));
      if (o.release) void released.then(() => o.release!(item.out));
    }
  }
  const files = await router.finish(o.naming, !settings.aamInbound);
  o.accounting.bytesOut = files.reduce((n, f) => n + f.bytes, 0);
  o.accounting.files = files.map((f) => ({ name: f.name, ...(f.partition === undefined ? {} : { partition: f.partition }), records: f.records, bytes: f.bytes, md5: f.md5 }));
  if (o.info) await writeInfoFile(o, files, group);
  return files;
}

/** The .info file (AAM inbound's transfer control), one more file of the run, published with the others. */
async function writeInfoFile(o: RouteRunOptions, files: readonly OutputFileInfo[], group: { add(part: OutputPart): void }): Promise<void> {
  const { name, body } = o.info!(files);
  const file = new OutputFile(await o.target.create(), false, undefined, 1);
  group.add(file);
  await file.open(o.signal);
  await file.write(Buffer.from(body));
  await file.end();
  file.setName(name);
}
