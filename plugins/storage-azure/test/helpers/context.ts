import { tmpdir } from 'node:os';
import { silentLogger, silentProgress, systemClock, type PluginContext, type TierPolicy } from '@neural-condense/sdk';

/** A PluginContext for creating the store in tests; a store never touches the tier policy. */
export const testContext: PluginContext = {
  logger: silentLogger,
  clock: systemClock,
  progress: silentProgress,
  tierPolicy: {
    tier: { name: 'research', minCondensedTokens: 128, maxCondensedTokens: 1024, maxContextChars: 10_000 },
    budget: () => ({ min: 128, max: 1024 }),
  } as unknown as TierPolicy,
  cacheDir: tmpdir(),
  hostUrl: 'http://127.0.0.1:9',
};
