function run(name, slots) {
  const mask = slots.length - 1;
  let h = 12345, sum = 0;
  const t = performance.now();
  for (let i = 0; i < 3e6; i++) {
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    const j = h & mask;
    if (slots[j] === 0) slots[j] = i | 1; else sum += slots[j];
  }
  console.log(name, Math.round(performance.now() - t), 'ms', sum & 1);
}
const N = 1 << 21;
for (let r = 0; r < 2; r++) {
  run('plain', new Int32Array(N));
  run('sab', new Int32Array(new SharedArrayBuffer(4 * N)));
  const g = new SharedArrayBuffer(4 * N, { maxByteLength: 2 ** 32 - 1 });
  run('gsab', new Int32Array(g, 64, N - 16));
}
