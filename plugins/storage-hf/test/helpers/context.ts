import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, silentProgress, systemClock, type PluginContext, type TierPolicy } from '@neural-condense/sdk';

/** A PluginContext with its own cache dir (the store spools there); a store never reads the tier policy. */
export function testContext(): PluginContext {
  return {
    logger: silentLogger,
    clock: systemClock,
    progress: silentProgress,
    tierPolicy: {} as TierPolicy,
    cacheDir: mkdtempSync(join(tmpdir(), 'hf-store-')),
    hostUrl: 'http://127.0.0.1:9',
  };
}
