#!/usr/bin/env node
// The peer of the end-to-end benchmark: DuckDB running issue 4's statement, in this process.
//
//   node bench/duckdb-job.mjs <input.csv> <output.csv>
//
// bench/e2e.mjs runs it as a child process exactly like the CLI runs, so both are timed and
// measured the same way (wall time including start-up, peak RSS of the process). DuckDB uses its
// default thread count (all cores).
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: node bench/duckdb-job.mjs <input.csv> <output.csv>\n');
  process.exit(2);
}
const sqlText = (s) => `'${s.replaceAll("'", "''")}'`;
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
await connection.run(
  `COPY (SELECT crm_id, sha256(lower(trim(email))) AS email, phone, first_name, country, segment ` +
    `FROM read_csv(${sqlText(input)}, header=true, all_varchar=true)) TO ${sqlText(output)} (HEADER)`,
);
connection.closeSync();
instance.closeSync();
