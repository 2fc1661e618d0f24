import type { CommandModule } from 'yargs';
import { backendCommand } from './backend.js';
import { devnetCommand } from './devnet.js';
import { minerCommand } from './miner.js';
import { compressCommand } from './compress.js';
import { doctorCommand } from './doctor.js';
import { storeCommand } from './store.js';
import { queryCommand } from './query.js';
import { modelsCommand } from './models.js';

// Every `condense` command, in the order --help lists them. Add new commands here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- yargs command modules differ in their argv types
export const commands: CommandModule<any, any>[] = [backendCommand, compressCommand, storeCommand, doctorCommand, queryCommand, modelsCommand, minerCommand, devnetCommand];
