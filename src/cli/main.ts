#!/usr/bin/env node
/**
 * The bin. Turns on Node's on-disk compile cache before the CLI's modules are loaded, then runs
 * the CLI (src/cli/cli.ts). Compiling the modules at every start cost a short run about a third
 * of its start-up (zod alone takes ~45 ms to load, ~30 ms from the cache), which is a few percent
 * of a multi-million-row job. The cache lives in the user's cache directory, not in TMPDIR (a run
 * leaves nothing in the temporary directory it is given); where it cannot be written Node runs
 * without it, and NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
import { enableCompileCache } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

try {
  enableCompileCache?.(join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'audience-pipe', 'node-compile-cache'));
} catch {
  // A cache that cannot be set up only costs speed.
}
await import('./cli.js');
