import { silentLogger, silentProgress, systemClock, type PluginContext, type TierPolicy } from '@neural-condense/sdk';

/** What core hands a plugin's `create`, with silent services (store tests only; stores ignore the tier policy). */
export const testPluginContext: PluginContext = {
  logger: silentLogger,
  clock: systemClock,
  progress: silentProgress,
  tierPolicy: {} as TierPolicy,
  cacheDir: '/tmp',
  hostUrl: 'http://127.0.0.1:0',
};
