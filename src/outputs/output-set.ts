/**
 * The outputs of one run (today the data output and the reject file; splits and partitions
 * later), published all together or not at all. Publishing is in two phases: every part is
 * first made complete (its bytes written, flushed, uploaded under a temporary name), and only
 * then are the parts published (renamed, committed) one after another, so a failure while any
 * part is still being written publishes none of them. Renames cannot be undone: a failure among
 * the publishes themselves says which files were already published.
 */
import { RunError } from '../errors/errors.js';
import type { Sink } from './sink.js';

export interface OutputPart {
  /** Shown in the error that lists published files: a path or a redacted URL, never a secret. */
  readonly name: string;
  /** Makes the part complete without publishing it. Parts whose publish does both omit it. */
  prepare?(): Promise<void>;
  /** Makes the complete part visible under its final name. */
  publish(): Promise<void>;
  /** Removes what can be removed of an unpublished part. Never throws. */
  abort(reason: unknown): Promise<void>;
}

/** A publish failed after other parts had been published: those stay, and are listed. */
export class PartialPublishError extends RunError {
  readonly published: readonly string[];
  constructor(failed: string, published: readonly string[], cause: unknown) {
    const why = (cause as Error | undefined)?.message ?? String(cause);
    super('ERR_PUBLISH_PARTIAL', `publishing ${failed} failed after ${published.join(', ')} had been published: ${why}`, cause);
    this.published = published;
  }
}

export class OutputSet {
  private readonly entries: Array<OutputPart | OutputPart[]> = [];
  private readonly published = new Set<OutputPart>();

  /** Parts are prepared and published in the order they are added. */
  add(part: OutputPart): void {
    this.entries.push(part);
  }

  /**
   * A place for parts made while the run lasts (a routed run's files): they are prepared and
   * published where the group was added, in the order they are added to it.
   */
  group(): { add(part: OutputPart): void } {
    const parts: OutputPart[] = [];
    this.entries.push(parts);
    return { add: (part) => void parts.push(part) };
  }

  private get parts(): OutputPart[] {
    return this.entries.flat();
  }

  async commit(): Promise<void> {
    const parts = this.parts;
    for (const part of parts) await part.prepare?.();
    for (const part of parts) {
      try {
        await part.publish();
      } catch (err) {
        if (this.published.size === 0) throw err;
        throw new PartialPublishError(part.name, [...this.published].map((p) => p.name), err);
      }
      this.published.add(part);
    }
  }

  /** Aborts every part not yet published, in order. */
  async abort(reason: unknown): Promise<void> {
    for (const part of this.parts) {
      if (!this.published.has(part)) await part.abort(reason);
    }
  }
}

/** A Sink as a part: its prepare() (if it has one) completes it, its commit() publishes it. */
export function sinkPart(sink: Sink): OutputPart {
  return {
    name: sink.description,
    ...(sink.prepare ? { prepare: () => sink.prepare!() } : {}),
    publish: () => sink.commit(),
    abort: (reason) => sink.abort(reason),
  };
}
