import { randomBytes } from 'node:crypto';
const dist = new URL('./dist/', import.meta.url);
const { SharedState } = await import(new URL('pool/shared-state.js', dist));
const { KeyTable } = await import(new URL('reconcile/key-table.js', dist));
const N = 1e6;
const d = new Uint32Array(randomBytes(32 * N).buffer.slice(0));
for (let r = 0; r < 3; r++) {
  const st = new SharedState();
  const reg = (n) => st.region(n, 2 ** 32 - 1);
  const t = new KeyTable(3, { keys: reg('k'), keyEnds: reg('e'), owners: reg('o') }, reg('s'));
  t.reserve(N);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) t.addDigest(d, i * 8, i);
  console.log('insert', Math.round(performance.now() - t0), 'ms', t.entries);
}
