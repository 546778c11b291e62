/** The worker's answer to a SharedCheckTask: what it reads of a shared region, in place. */
import { createHash } from 'node:crypto';
import { threadId } from 'node:worker_threads';
import type { SharedCheckResult, SharedCheckTask, WorkerInit } from '../protocol/messages.js';
import { readShared } from './shared.js';

export function checkShared(init: WorkerInit, task: SharedCheckTask): SharedCheckResult {
  const { generation, bytes } = readShared(init.shared, task.name);
  return { generation, length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), threadId };
}
