import type { Argv } from 'yargs';
import { loadConfig, type LoadedConfig } from '../config/index.js';
import { createLogger } from '../logging.js';
import type { Logger } from '@neural-condense/sdk';

/** The original miner's algorithm names → plugin packages. */
export const ALGORITHMS: Record<string, string> = {
  kvpress: '@neural-condense/kvpress',
  soft_token: '@neural-condense/soft-token',
  activation_beacon: '@neural-condense/activation-beacon',
};

/** Options every command that reads the config accepts. */
export function withConfigOptions<T>(y: Argv<T>) {
  return y
    .option('config', { alias: 'c', type: 'string', describe: 'config file (YAML or JSON); without it the embedded defaults apply' })
    .option('log-level', { type: 'string', describe: 'fatal | error | warn | info | debug | trace | silent' })
    .option('miner.tier', { type: 'string', describe: 'tier to serve: research | inference_0 | inference_1 (overrides `tier`)' })
    .option('cache-dir', { type: 'string', describe: 'models, graphs and local artifacts (default $CONDENSE_CACHE_DIR or ~/.cache/neural-condense)' });
}

/** `--wallet.name/--wallet.hotkey/--wallet.path`, as bittensor's CLI spells them. */
export function withWalletOptions<T>(y: Argv<T>) {
  return y
    .option('wallet.name', { type: 'string', describe: 'wallet name (default: miner.wallet.name, else "default")' })
    .option('wallet.hotkey', { type: 'string', describe: 'hotkey name (default: miner.wallet.hotkey, else "default")' })
    .option('wallet.path', { type: 'string', describe: 'wallets folder (default ~/.bittensor/wallets)' });
}

export interface ConfigArgs {
  config?: string;
  'log-level'?: string;
  miner?: { tier?: string };
  'cache-dir'?: string;
}

/** Loads the config with flag overrides; returns it with a logger at the configured level. */
export async function loadWithFlags(argv: ConfigArgs, extra: Record<string, unknown> = {}): Promise<{ loaded: LoadedConfig; logger: Logger }> {
  const loaded = await loadConfig({
    file: argv.config,
    overrides: { tier: argv.miner?.tier, 'log.level': argv['log-level'], cacheDir: argv['cache-dir'], ...extra },
  });
  return { loaded, logger: createLogger({ level: loaded.config.log.level }) };
}
