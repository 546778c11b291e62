/**
 * `audience-pipe demo`: the main job on a built-in default. Generates a seeded audience, makes
 * a fresh AES key, then hashes e-mails and phones and encrypts the CRM ID end to end, and prints
 * the run report. Everything lands in one folder that the command names.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { Command, Option } from 'commander';
import { withExamples } from '../../cli/examples.js';
import { buildProcessConfig } from '../../config/load.js';
import { ConfigError } from '../../errors/errors.js';
import { generateAudienceStream } from '../generate/audience.js';
import { RunEndpoints } from '../../pipeline/endpoints.js';
import { runProcess } from '../../pipeline/run-process.js';
import { watchSignals } from '../../cli/interrupt.js';
import { createLogger } from '../../util/logger.js';

export function demoCommand(): Command {
  const cmd = new Command('demo')
    .description('generate an audience, hash and encrypt it end to end, print the report')
    .addOption(new Option('--rows <n>', 'records to generate').default('1000000', '1,000,000'))
    .addOption(new Option('--dir <path>', 'folder for the input, key, output, rejects and report').default('demo-out', 'demo-out'))
    .option('--workers <n>', 'worker threads (default: available cores)')
    .action(async (opts: { rows: string; dir: string; workers?: string }) => {
      const rows = Number(opts.rows);
      if (!Number.isInteger(rows) || rows < 0) throw new ConfigError(`--rows: '${opts.rows}' is not a whole number >= 0`, 'rows');
      const dir = resolve(opts.dir);
      mkdirSync(dir, { recursive: true });
      const input = join(dir, 'audience.csv');
      const keyFile = join(dir, 'aes.key');
      const started = performance.now();
      await pipeline(generateAudienceStream({ rows, seed: 1 }), createWriteStream(input));
      const generatedMs = Math.round(performance.now() - started);
      writeFileSync(keyFile, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
      const config = buildProcessConfig(
        {
          in: input,
          out: join(dir, 'audience.processed.csv'),
          hash: ['email=email_lc_sha256', 'phone=phone_sha256'],
          encrypt: ['crm_id'],
          aesKeyFile: keyFile,
          aesIv: randomBytes(16).toString('hex'),
          defaultCountry: 'US',
          rejects: join(dir, 'rejects.csv'),
          report: join(dir, 'report.json'),
          ...(opts.workers ? { workers: opts.workers } : {}),
        },
        {},
      );
      const log = createLogger('warn');
      const endpoints = new RunEndpoints(config, log);
      // Ctrl-C during the run ends it like any process run: exit 130, no .part files left.
      const signals = watchSignals();
      const outcome = await runProcess(config, { source: await endpoints.source(), openSink: (name) => endpoints.sink(name), log, signal: signals.signal });
      signals.stop();
      await endpoints.close();
      const report = outcome.report;
      writeFileSync(config.report!, JSON.stringify(report, null, 2) + '\n');
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      const rate = report.durationMs > 0 ? Math.round((report.recordsIn / report.durationMs) * 1000) : 0;
      process.stderr.write(
        [
          `generated ${rows.toLocaleString('en-US')} records in ${generatedMs} ms -> ${input}`,
          `processed in ${report.durationMs} ms (${rate.toLocaleString('en-US')} records/s, ${report.workers} workers): ` +
            `${report.recordsOut.toLocaleString('en-US')} written, ${report.recordsRejected.toLocaleString('en-US')} rejected; in + out + rejected add up: ${report.recordsIn === report.recordsOut + report.recordsRejected}`,
          `output ${config.out}, rejects ${config.rejects}, report ${config.report}, key ${keyFile}`,
          '',
        ].join('\n'),
      );
      process.exitCode = outcome.exitCode;
    });
  return withExamples(cmd, ['npm run demo', 'audience-pipe demo --rows 100000 --dir /tmp/audience-demo']);
}
