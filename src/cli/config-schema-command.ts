/** `audience-pipe config-schema`: the JSON Schema of a `--config` file, for editors and checkers. */
import { Command } from 'commander';
import { configFileJsonSchema } from '../config/schema.js';
import { withExamples } from './examples.js';

export function configSchemaCommand(): Command {
  const cmd = new Command('config-schema')
    .description('print the JSON Schema of a --config file (point a file\'s "$schema" at its saved copy)')
    .action(() => {
      process.stdout.write(JSON.stringify(configFileJsonSchema(), null, 2) + '\n');
    });
  return withExamples(cmd, [
    'audience-pipe config-schema > audience-pipe.schema.json',
    'audience-pipe process --config job.json   # job.json: { "$schema": "./audience-pipe.schema.json", "hash": ["email=email_lc_sha256"] }',
  ]);
}
