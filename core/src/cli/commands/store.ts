import type { CommandModule } from 'yargs';
import { systemClock } from '@neural-condense/sdk';
import { configuredHostUrl, createStore } from '../../container.js';
import { collectExpired } from '../../store/ttl-gc.js';
import { runCommand } from '../run-command.js';
import { loadWithFlags, withConfigOptions, type ConfigArgs } from '../shared-options.js';

interface GcArgs extends ConfigArgs {
  'ttl-seconds'?: number;
}

/** `condense store gc`: delete artifacts older than the TTL once, by hand. */
export const storeCommand: CommandModule<object, object> = {
  command: 'store <action>',
  describe: 'manage the artifact store',
  builder: (y) =>
    y.command<GcArgs>({
      command: 'gc',
      describe: 'delete artifacts older than artifacts.ttlSeconds, once',
      builder: (g) => withConfigOptions(g).option('ttl-seconds', { type: 'number', describe: 'override artifacts.ttlSeconds' }) as never,
      handler: (argv) =>
        runCommand(async () => {
          const { loaded, logger } = await loadWithFlags(argv, { 'artifacts.ttlSeconds': argv['ttl-seconds'] });
          const store = await createStore(loaded, { logger, hostUrl: configuredHostUrl(loaded) });
          await store.init?.();
          const result = await collectExpired(store, loaded.config.artifacts.ttlSeconds * 1000, systemClock, logger);
          await store.close?.();
          process.stdout.write(`${JSON.stringify({ store: store.name, ...result })}\n`);
        }),
    }).demandCommand(1),
  handler: () => {},
};
