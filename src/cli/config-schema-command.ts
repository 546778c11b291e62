/** `audience-pipe config-schema`: the JSON Schema of a `--config` file, for editors and checkers. */
import { Command } from 'commander';
import { configFileJsonSchema } from '../config/schema.js';

export function configSchemaCommand(): Command {
  return new Command('config-schema')
    .description('print the JSON Schema of a --config file (point a file\'s "$schema" at its saved copy)')
    .action(() => {
      process.stdout.write(JSON.stringify(configFileJsonSchema(), null, 2) + '\n');
    });
}
