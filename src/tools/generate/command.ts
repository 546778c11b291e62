/** `audience-pipe generate`: a seeded synthetic audience on stdout (or a file). */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { GENERATE_FORMATS, generateAudienceStream, type GenerateFormat } from './audience.js';
import { ConfigError } from '../../errors/errors.js';
import { withExamples } from '../../cli/examples.js';

export function generateCommand(): Command {
  const cmd = new Command('generate')
    .description('write a seeded synthetic audience (crm_id,email,phone,first_name,country,segment) with realistic dirt')
    .addOption(new Option('--rows <n>', 'number of records').makeOptionMandatory())
    .option('--seed <s>', 'PRNG seed (default: 1)')
    .option('--out <path>', 'write to a file instead of stdout')
    .addOption(new Option('--format <name>', 'csv: the audience; aam-outbound: AAM outbound rows <AAM UUID> <segments> <removed segments>, no header (default: csv)').choices(GENERATE_FORMATS))
    .option('--segments', 'csv: add a last column segments (comma-separated segment IDs); the other columns stay the same bytes')
    .action(async (opts: { rows: string; seed?: string; out?: string; format?: GenerateFormat; segments?: boolean }) => {
      const rows = Number(opts.rows);
      if (!Number.isInteger(rows) || rows < 0) throw new ConfigError(`--rows: '${opts.rows}' is not a whole number >= 0`, 'rows');
      const seed = opts.seed === undefined ? 1 : Number(opts.seed);
      if (!Number.isInteger(seed)) throw new ConfigError(`--seed: '${opts.seed}' is not a whole number`, 'seed');
      const target = opts.out ? createWriteStream(opts.out) : process.stdout;
      await pipeline(generateAudienceStream({ rows, seed, format: opts.format, segments: opts.segments }), target);
    });
  return withExamples(cmd, ['audience-pipe generate --rows 1000000 --seed 1 > aud.csv', 'audience-pipe generate --rows 5000 --seed 7 --segments --out small.csv', 'audience-pipe generate --rows 1000000 --format aam-outbound > segments.sync']);
}
