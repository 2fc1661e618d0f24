#!/usr/bin/env node
import 'reflect-metadata';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';

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

await cli.parseAsync();
