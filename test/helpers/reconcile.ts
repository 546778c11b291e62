/**
 * The reconciliation tests' job: one data source per protection kind (with the rule
 * test/helpers/profile-keys.ts computes it by), the index built from a source, the incoming IDs
 * a sender would send and what the index must answer to them.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SharedState } from '../../src/pool/shared-state.js';
import { buildProfileIndex } from '../../src/reconcile/index-build.js';
import { defineIndexRegions } from '../../src/reconcile/index-layout.js';
import { parseJob } from '../../src/reconcile/job-file.js';
import type { ReconcileJob } from '../../src/reconcile/job-types.js';
import type { ProfileSource } from '../../src/reconcile/profiles/source.js';
import { ProfileIndexView } from '../../src/worker/lookup.js';
import { expectedKey, isDigestRule, type KeyRule } from './profile-keys.js';
import { prng, type ProfileRow } from './profiles.js';

export const KEY_HEX = '0123456789abcdef0123456789abcdef';
const IV = '00112233445566778899aabbccddeeff';

/** One data source per protection kind, with the rule the test computes it by. */
export const SOURCES: Array<{ rule: KeyRule; column: keyof ProfileRow; source: Record<string, unknown> }> = [
  { rule: 'sha256', column: 'crm_id', source: { protection: { hash: 'sha256' }, key: 'crm_id' } },
  { rule: 'sha256_lc', column: 'crm_id', source: { protection: { hash: 'sha256_lc' }, key: 'crm_id' } },
  { rule: 'email_lc_sha256', column: 'email', source: { protection: { hash: 'email_lc_sha256' }, key: 'email' } },
  { rule: 'phone_sha256', column: 'phone', source: { protection: { hash: 'phone_sha256' }, key: 'phone' } },
  { rule: 'phone_sha256_e164', column: 'phone', source: { protection: { hash: 'phone_sha256_e164' }, key: 'phone' } },
  { rule: 'aes_email', column: 'email', source: { protection: { aes: { keyFile: 'k.hex', iv: IV }, channel: 'email' }, key: 'crm_id' } },
  { rule: 'aes_sms', column: 'phone', source: { protection: { aes: { keyFile: 'k.hex', iv: IV, cipherEncoding: 'base64' }, channel: 'sms' }, key: 'crm_id' } },
  { rule: 'aes_other', column: 'crm_id', source: { protection: { aes: { keyFile: 'k.hex', iv: IV }, channel: 'other' }, key: 'crm_id' } },
  { rule: 'plain', column: 'ecid', source: { type: 'visitor', key: 'ecid' } },
  { rule: 'plain', column: 'crm_id', source: { key: 'crm_id' } },
];

/** The job over `table` (path or postgres); `dir` holds k.hex (written here), `env` gives the PostgreSQL password. */
export function jobFor(table: Record<string, unknown>, dir: string, env: NodeJS.ProcessEnv = {}): ReconcileJob {
  writeFileSync(join(dir, 'k.hex'), KEY_HEX);
  return parseJob(
    {
      profiles: { ...table, id: 'recipient_id', email: 'email', phone: 'phone', fields: ['first_name', 'crm_id'] },
      dataSources: SOURCES.map((s, i) => ({ label: `source ${i} (${s.rule})`, alias: `S${i}`, type: 'declared', priority: 100 - i, ...s.source })),
    },
    { baseDir: dir, env },
  );
}

/** Builds in this thread (workers: 0): the tests run src/, the build's workers run dist/ (test/reconcile-worker.test.ts). */
export async function build(job: ReconcileJob, source: ProfileSource) {
  const state = new SharedState();
  const regions = defineIndexRegions(state, job.dataSources.length);
  const report = await buildProfileIndex(job, source, regions, { workers: 0 });
  return { state, report, view: new ProfileIndexView(state.buffers) };
}

/** Incoming IDs for source `i`: one per profile, shaped as a sender would (case, spaces), and some that match nothing. */
export function incoming(rows: readonly ProfileRow[], i: number, seed: number): string[] {
  const { rule, column } = SOURCES[i];
  const r = prng(seed);
  const ids: string[] = [];
  for (const row of rows) {
    const v = row[column];
    if (isDigestRule(rule)) {
      const k = expectedKey(rule, v);
      ids.push(k === 'EMPTY' || k === 'INVALID' ? createHash('sha256').update(`nobody${r()}`).digest('hex') : r() < 0.5 ? k.toUpperCase() : k);
    } else if (rule === 'aes_email') {
      ids.push(` ${v.toUpperCase()} `);
    } else {
      ids.push(r() < 0.5 ? ` ${v}\t` : /^[0-9a-f]+$/i.test(v.trim()) ? v.toUpperCase() : v);
    }
  }
  for (let k = 0; k < 50; k++) ids.push(isDigestRule(rule) ? createHash('sha256').update(`stranger${k}`).digest('hex') : `stranger-${k}`);
  ids.push('', '   ', 'zz'.repeat(32), '0'.repeat(63));
  return ids;
}

/** What the index must answer for an incoming ID, computed apart. */
export function expectedMatch(rule: KeyRule, first: Map<string, number>, id: string): number {
  if (isDigestRule(rule)) return /^[0-9a-f]{64}$/i.test(id.trim()) ? first.get(id.trim().toLowerCase()) ?? -1 : -1;
  const k = expectedKey(rule, id);
  return k === 'EMPTY' || k === 'INVALID' ? -1 : first.get(k) ?? -1;
}

