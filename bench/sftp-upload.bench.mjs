// Side-by-side upload throughput over loopback against a real OpenSSH sshd started here:
// (a) OpenSSH's `sftp -b` put with its default cipher, (b) the same with aes128-gcm (the cipher
// ssh2 negotiates, for a like-for-like view), (c) audience-pipe's SFTP sink (spool + live
// upload + size check + rename), alternating rounds, medians in MB/s (1 MB = 10^6 bytes) and
// the client side's CPU seconds per GB (less sensitive than MB/s to other load on the machine).
//
//   npx tsc -p tsconfig.json && node bench/sftp-upload.bench.mjs
//   SFTP_BENCH_MB=400 SFTP_BENCH_ROUNDS=3 AP_DIST=dist node bench/sftp-upload.bench.mjs
//
// Needs Node >= 23.6 (imports test/helpers/sshd.ts with type stripping) and /usr/sbin/sshd,
// /usr/bin/sftp (scripts/install-system-deps.sh). Traffic stays on 127.0.0.1.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fsyncSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { startBenchServer } from './sftp-bench-server.mjs';

const MB = 1e6;
const sizeMB = Number(process.env.SFTP_BENCH_MB ?? 400);
const rounds = Number(process.env.SFTP_BENCH_ROUNDS ?? 3);
const dist = resolve(process.env.AP_DIST ?? 'dist');
const { createSftpSink } = await import(pathToFileURL(join(dist, 'outputs/sftp-sink.js')).href);
const { silentLogger } = await import(pathToFileURL(join(dist, 'util/logger.js')).href);
// As `audience-pipe process` does for a run with an SFTP end (src/cli/v8-flags.ts).
const { tuneV8ForSshTransfers } = await import(pathToFileURL(join(dist, 'cli/v8-flags.js')).href);
tuneV8ForSshTransfers();

const { server, sshOpts, serverStorage } = await startBenchServer();
// The client's file on the client's disk (see bench/sftp-bench-server.mjs).
const local = join(mkdtempSync(join(tmpdir(), 'sftp-bench-')), 'input.csv');
try {

  // Seeded CSV-like input, written once and read from the page cache by every contender.
  await pipeline(async function* () {
    let x = 0x2545f491;
    const line = Buffer.alloc(64);
    const block = Buffer.alloc(1 << 20);
    for (let done = 0; done < sizeMB * MB; ) {
      let o = 0;
      while (o + 64 <= block.length) {
        for (let i = 0; i < 63; i++) {
          x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
          line[i] = i % 16 === 15 ? 44 : 48 + ((x >>> 0) % 10);
        }
        line[63] = 10;
        line.copy(block, o);
        o += 64;
      }
      const n = Math.min(o, sizeMB * MB - done);
      done += n;
      yield Buffer.from(block.subarray(0, n));
    }
  }, createWriteStream(local));
  const bytes = statSync(local).size;
  // Written back now, not by the kernel's flusher in the middle of a timed round.
  const fd = openSync(local, 'r');
  fsyncSync(fd);
  closeSync(fd);
  // Hashes stream: a 400 MB buffer left for the GC would be collected during a timed run.
  const sha = async (path) => {
    const h = createHash('sha256');
    for await (const b of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(b);
    return h.digest('hex');
  };
  const want = await sha(local);

  // bash's `times` prints the CPU time of its children (sftp and the ssh it runs): its second line.
  const childCpu = (out) => {
    const lines = out.trim().split('\n');
    const [u, s] = (lines[lines.length - 1] ?? '').split(' ').map((t) => {
      const m = /(\d+)m([\d.]+)s/.exec(t);
      return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
    });
    return u + s;
  };
  const sftpPut = (remote, extra) => new Promise((ok, fail) => {
    const cmd = `sftp ${[...sshOpts, ...extra].join(' ')} -b - ${server.username}@127.0.0.1 >/dev/null && times`;
    const p = spawn('bash', ['-c', cmd], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`sftp exited ${code}: ${err}`));
      ok(childCpu(out));
    });
    p.stdin.end(`put ${local} ${remote}\n`);
  });
  const cfg = { sftpKey: server.clientKeyFile, sftpHostKey: server.hostKeyFingerprint, sftpInsecureAcceptAnyHostKey: false,
    retries: 0, deleteAfter: false, accounts: {} };
  const sinkPut = async (remote) => {
    const sink = createSftpSink(`sftp://${server.username}@127.0.0.1:${server.port}${remote}`, cfg, { sftpPassphrase: server.passphrase }, silentLogger(), undefined);
    const c0 = process.cpuUsage();
    const w = await sink.open(new AbortController().signal);
    await feed(w, sink.releasesWrittenChunks === true);
    await sink.commit();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  // The input as the CLI hands it over: from a small ring of reused 1 MiB buffers when the
  // sink says a write callback releases the chunk (the pipeline's buffer pool does the same).
  const feed = async (w, reuse) => {
    const fh = await open(local, 'r');
    const ring = Array.from({ length: 4 }, () => ({ buf: Buffer.allocUnsafe(1 << 20), done: Promise.resolve() }));
    try {
      for (let i = 0; ; i++) {
        const slot = ring[i % ring.length];
        await slot.done;
        const buf = reuse ? slot.buf : Buffer.allocUnsafe(1 << 20);
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        let wrote;
        slot.done = new Promise((resolve, reject) => { wrote = w.write(buf.subarray(0, bytesRead), (err) => (err ? reject(err) : resolve())); });
        if (!wrote) await once(w, 'drain');
      }
      await Promise.all(ring.map((s) => s.done));
      await new Promise((resolve, reject) => w.end((err) => (err ? reject(err) : resolve())));
    } finally {
      await fh.close();
    }
  };
  // The command a user runs to upload a file that is already processed: no transform, the
  // bytes pass through the pipeline (framing, workers, in-order merge) to the SFTP sink.
  const cli = join(dist, 'cli/main.js');
  const cliPut = (remote) => new Promise((ok, fail) => {
    const args = ['process', '--in', local, '--out', `sftp://${server.username}@127.0.0.1:${server.port}${remote}`,
      '--sftp-key', server.clientKeyFile, '--sftp-host-key', server.hostKeyFingerprint, '--passthrough', '--log-level', 'warn', '--no-progress'];
    const cmd = `${JSON.stringify(process.execPath)} ${[cli, ...args].map((a) => JSON.stringify(a)).join(' ')} && times`;
    const p = spawn('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AUDIENCE_PIPE_SFTP_PASSPHRASE: server.passphrase } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`audience-pipe exited ${code}: ${err.slice(-2000)}`));
      ok(childCpu(out));
    });
  });
  const contenders = {
    'openssh sftp put (default cipher)': (r) => sftpPut(r, []),
    'openssh sftp put (aes128-gcm)': (r) => sftpPut(r, ['-c', 'aes128-gcm@openssh.com']),
    'audience-pipe sftp sink': (r) => sinkPut(r),
    'audience-pipe process --out sftp://': (r) => cliPut(r),
  };
  // SFTP_BENCH_ONLY=<substring> runs only the matching contenders (for profiling one of them).
  const only = process.env.SFTP_BENCH_ONLY;
  if (only !== undefined) for (const k of Object.keys(contenders)) if (!k.includes(only)) delete contenders[k];
  // Warm-up, not timed: the sink's JavaScript is compiled by the first upload.
  await sinkPut(join(server.files, 'warm-up.csv'));
  rmSync(join(server.files, 'warm-up.csv'));
  const results = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const [name, run] of Object.entries(contenders)) {
      const remote = join(server.files, `out-${round}.csv`);
      const t0 = process.hrtime.bigint();
      const clientCpu = await run(remote);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      cpu[name].push(clientCpu / (bytes / 1e9));
      if (round === 1) {
        const got = await sha(remote);
        if (got !== want) throw new Error(`${name}: remote bytes differ`);
      }
      rmSync(remote);
      results[name].push(bytes / MB / s);
      console.log(`round ${round}  ${name.padEnd(34)} ${(bytes / MB / s).toFixed(1).padStart(7)} MB/s  (${s.toFixed(2)} s, client CPU ${clientCpu.toFixed(2)} s)`);
    }
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const ssh = execFileSync('sh', ['-c', 'ssh -V 2>&1'], { encoding: 'utf8' }).trim();
  console.log(`\n${(bytes / MB).toFixed(0)} MB over 127.0.0.1, ${rounds} alternating rounds, medians:`);
  for (const [name, r] of Object.entries(results)) {
    console.log(`  ${name.padEnd(34)} ${median(r).toFixed(1).padStart(7)} MB/s   client CPU ${median(cpu[name]).toFixed(2)} s/GB`);
  }
  if (only === undefined) {
    const base = median(results['openssh sftp put (default cipher)']);
    console.log(`  ratio sink / openssh default: ${(median(results['audience-pipe sftp sink']) / base).toFixed(2)}`);
  }
  console.log(`machine: ${cpus()[0]?.model ?? '?'} x${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, ${ssh}`);
  console.log(`server storage: ${serverStorage}; client files and spool: ${tmpdir()}`);
} finally {
  rmSync(dirname(local), { recursive: true, force: true });
  await server.stop();
}
