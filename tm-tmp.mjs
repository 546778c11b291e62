const dist = new URL('./dist/', import.meta.url);
const { loadJobFile } = await import(new URL('reconcile/job-file.js', dist));
const { SharedState } = await import(new URL('pool/shared-state.js', dist));
const { defineIndexRegions } = await import(new URL('reconcile/index-layout.js', dist));
const { buildProfileIndex } = await import(new URL('reconcile/index-build.js', dist));
const { profileSource } = await import(new URL('reconcile/profiles/source.js', dist));
const job = loadJobFile(process.argv[2] ?? '/tmp/idx/job.json');
for (let i = 0; i < 3; i++) {
  globalThis.__addMs = 0;
  const t = performance.now();
  const state = new SharedState();
  const r = await buildProfileIndex(job, profileSource(job.profiles.table), defineIndexRegions(state, 3), { workers: Number(process.env.W ?? 2) });
  console.log("build", Math.round(performance.now() - t), "add", Math.round(globalThis.__addMs), "f", Math.round(globalThis.__f), "s0..", Math.round(globalThis.__s1), Math.round(globalThis.__s2)); globalThis.__f=0; globalThis.__s1=0; globalThis.__s2=0;
}
