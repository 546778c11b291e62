/**
 * Python's csv module as the oracle of the quote rules (issue #8): one python3 process reads a
 * whole batch of inputs. Without python3 the tests fail saying so; they never skip
 * (scripts/install-system-deps.sh installs it).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./csv_oracle.py', import.meta.url));

/** Each input's records as Python's csv.reader gives them (blank lines left out). */
export function pythonRecords(inputs: readonly Buffer[], escape: '"' | '\\'): string[][][] {
  const res = spawnSync('python3', [script], {
    input: JSON.stringify({ escape, inputs: inputs.map((b) => b.toString('base64')) }),
    maxBuffer: 1 << 30,
  });
  if (res.error) throw new Error(`python3 is the oracle of this test and could not be run (scripts/install-system-deps.sh installs it): ${res.error.message}`);
  if (res.status !== 0) throw new Error(`python3 ${script} failed: ${res.stderr.toString()}`);
  return JSON.parse(res.stdout.toString('utf8')) as string[][][];
}

/** What `--hash <every column>=sha256` writes for a value: SHA-256 of the trimmed text, empty stays empty. */
export function sha256Field(value: string): string {
  const t = value.trim();
  return t === '' ? '' : createHash('sha256').update(t, 'utf8').digest('hex');
}
