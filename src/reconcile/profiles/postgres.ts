/**
 * A profile table read from PostgreSQL with `COPY (query) TO STDOUT (FORMAT csv, HEADER)`
 * through `pg` and `pg-copy-streams`: the server writes CSV, streamed as it comes, never made
 * into row objects. Both libraries are loaded on first use (only a job with a PostgreSQL table
 * pays for them). The password comes from the job (AUDIENCE_PIPE_PG_PASSWORD or PGPASSWORD) and
 * never reaches a message: pg's errors carry the server's words, not the connection settings.
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';
import { RunError } from '../../errors/errors.js';
import type { ProfileTableSpec } from '../job-types.js';
import type { ProfileSource } from './source.js';

type PostgresTable = Extract<ProfileTableSpec, { kind: 'postgres' }>;
const lazyRequire = createRequire(import.meta.url);

/** COPY's CopyData messages are small (often one row each): they are gathered to this size before the reader sees them. */
const GATHER_BYTES = 256 * 1024;

/** user@host:port/database, the URL without its scheme and parameters: what messages show. */
function describeUrl(url: string): string {
  const u = new URL(url);
  const user = u.username === '' ? '' : `${decodeURIComponent(u.username)}@`;
  return `${user}${u.hostname}${u.port === '' ? '' : `:${u.port}`}${u.pathname}`;
}

/** The query as COPY's subquery: without the `;` a query copied from psql ends with. */
export function copyStatement(query: string): string {
  return `COPY (${query.replace(/[\s;]+$/, '').trim()}) TO STDOUT (FORMAT csv, HEADER)`;
}

export function postgresProfiles(table: PostgresTable): ProfileSource {
  const description = `postgres ${describeUrl(table.url)}`;
  const failed = (what: string, err: unknown): RunError =>
    new RunError('ERR_PROFILES', `profiles.postgres: ${description}: ${what}: ${(err as Error).message ?? String(err)}`, err);
  return {
    description,
    async *bytes(signal?: AbortSignal): AsyncGenerator<Buffer> {
      const pg = lazyRequire('pg') as typeof import('pg');
      const { to: copyTo } = lazyRequire('pg-copy-streams') as typeof import('pg-copy-streams');
      const client = new pg.Client({ connectionString: table.url, application_name: 'audience-pipe' });
      // pg lets the URL's fields override a `password` given beside connectionString, even an
      // absent one (brianc/node-postgres ConnectionParameters): it is set once the URL is read.
      const password = table.password?.reveal();
      if (password !== undefined) {
        const settable = client as unknown as { password: string; connectionParameters: { password: string } };
        settable.password = password;
        settable.connectionParameters.password = password;
      }
      // An error of an idle client after the copy (the server going away) must not crash the process.
      client.on('error', () => {});
      try {
        await client.connect();
      } catch (err) {
        throw failed('cannot connect', err);
      }
      let stream: Readable | undefined;
      const abort = () => stream?.destroy(signal?.reason as Error);
      signal?.addEventListener('abort', abort, { once: true });
      try {
        stream = client.query(copyTo(copyStatement(table.query)));
        let parts: Buffer[] = [];
        let gathered = 0;
        try {
          for await (const chunk of stream) {
            parts.push(chunk as Buffer);
            gathered += (chunk as Buffer).length;
            if (gathered < GATHER_BYTES) continue;
            yield parts.length === 1 ? parts[0] : Buffer.concat(parts, gathered);
            parts = [];
            gathered = 0;
          }
        } catch (err) {
          if (signal?.aborted) throw err;
          throw failed('the query failed', err);
        }
        if (gathered > 0) yield Buffer.concat(parts, gathered);
      } finally {
        signal?.removeEventListener('abort', abort);
        stream?.destroy();
        await client.end().catch(() => {});
      }
    },
  };
}
