#!/usr/bin/env node
import 'reflect-metadata';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';
import { rejectUnknownFlags } from './unknown-flags.js';

// The `condense` CLI. Each command lives in ./commands/<name>.ts.
const cli = yargs(hideBin(process.argv))
  .scriptName('condense')
  .usage('$0 <command> [options]')
  .strictCommands()
  .demandCommand(1, 'name a command; see --help')
  .recommendCommands()
  .help()
  .alias('h', 'help')
  .version(false)
  .wrap(Math.min(110, process.stdout.columns ?? 100));

for (const command of commands) cli.command(command);

// A misspelt or foreign flag is an error, not silently ignored.
cli.middleware(rejectUnknownFlags(hideBin(process.argv)));

// Usage errors (unknown flags, missing arguments): one line and exit code 2, no stack.
cli.fail((message, error) => {
  process.stderr.write(`condense: ${message ?? error?.message}\n`);
  process.exit(2);
});
try {
  await cli.parseAsync();
} catch (error) {
  process.stderr.write(`condense: ${(error as Error).message}\n`);
  process.exit(2);
}
