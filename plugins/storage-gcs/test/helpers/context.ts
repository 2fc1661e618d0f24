import { tmpdir } from 'node:os';
import { silentLogger, silentProgress, systemClock, type PluginContext, type TierPolicy } from '@neural-condense/sdk';

/** A PluginContext for creating the store in tests; a store never reads the tier policy. */
export const testContext: PluginContext = {
  logger: silentLogger,
  clock: systemClock,
  progress: silentProgress,
  tierPolicy: {} as TierPolicy,
  cacheDir: tmpdir(),
  hostUrl: 'http://127.0.0.1:9',
};
