import type { CommandModule } from 'yargs';
import { systemClock } from '@neural-condense/sdk';
import { createStore } from '../../container.js';
import { createProgressReporter } from '../../progress.js';
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
          const progress = createProgressReporter(logger);
          const store = await createStore(loaded, (name) => ({
            logger: logger.child({ plugin: name }),
            clock: systemClock,
            progress,
            tierPolicy: { tier: loaded.tier, budget: () => ({ min: loaded.tier.minCondensedTokens, max: loaded.tier.maxCondensedTokens }) },
            cacheDir: loaded.cacheDir,
            hostUrl: loaded.config.backend.publicUrl ?? `http://127.0.0.1:${loaded.config.backend.port}`,
          }));
          await store.init?.();
          const result = await collectExpired(store, loaded.config.artifacts.ttlSeconds * 1000, systemClock, logger);
          await store.close?.();
          process.stdout.write(`${JSON.stringify({ store: store.name, ...result })}\n`);
        }),
    }).demandCommand(1),
  handler: () => {},
};
