/** `audience-pipe generate`: a seeded synthetic audience on stdout (or a file). */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { generateAudienceStream } from './audience.js';
import { ConfigError } from '../../errors/errors.js';
import { withExamples } from '../../cli/examples.js';

export function generateCommand(): Command {
  const cmd = new Command('generate')
    .description('write a seeded synthetic audience (crm_id,email,phone,first_name,country,segment) with realistic dirt')
    .addOption(new Option('--rows <n>', 'number of records').makeOptionMandatory())
    .option('--seed <s>', 'PRNG seed (default: 1)')
    .option('--out <path>', 'write to a file instead of stdout')
    .action(async (opts: { rows: string; seed?: string; out?: string }) => {
      const rows = Number(opts.rows);
      if (!Number.isInteger(rows) || rows < 0) throw new ConfigError(`--rows: '${opts.rows}' is not a whole number >= 0`, 'rows');
      const seed = opts.seed === undefined ? 1 : Number(opts.seed);
      if (!Number.isInteger(seed)) throw new ConfigError(`--seed: '${opts.seed}' is not a whole number`, 'seed');
      const target = opts.out ? createWriteStream(opts.out) : process.stdout;
      await pipeline(generateAudienceStream({ rows, seed }), target);
    });
  return withExamples(cmd, ['audience-pipe generate --rows 1000000 --seed 1 > aud.csv', 'audience-pipe generate --rows 5000 --seed 7 --out small.csv']);
}
