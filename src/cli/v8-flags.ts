import { setFlagsFromString } from 'node:v8';

/**
 * V8 settings for a command-line run that moves data over SSH (a library user's process, and
 * runs without SFTP, are left alone).
 *
 * `--external-memory-accounted-in-global-limit`: Buffers live outside V8's heap, and by default
 * every 64 MB of them allocated since the last full GC forces another one ("external memory
 * pressure"), whatever the heap's size. ssh2 allocates two fresh Buffers per 256 KB sent (the
 * SFTP request, then each SSH packet), so an upload ran a full mark-compact every ~10 MB: about
 * a quarter of the uploading thread's CPU. With the flag, external memory counts towards the
 * same global limit as the heap and GCs follow the heap's growth instead. Measured with
 * `SFTP_BENCH_ONLY=sink node bench/sftp-upload.bench.mjs`: 1.54-1.65 -> 1.23 client CPU s/GB,
 * 440-478 -> 510-533 MB/s; `process --out sftp://` on 5M rows (bench/sftp-e2e.bench.mjs) 5.08 s
 * without it, 4.50-4.67 s with it. The price is memory: garbage Buffers wait longer for a GC,
 * and the flag is process-wide (workers too): that run peaks at 315-328 MB against about
 * 245 MB without the flag (190 MB for the same job to a file); 350 MB on 20M rows.
 */
export function tuneV8ForSshTransfers(): void {
  setFlagsFromString('--external-memory-accounted-in-global-limit');
}
