import { join } from 'node:path';
import { ConfigError, definePlugin, normalizeBaseUrl, normalizePrefix, PLUGIN_API_VERSION, type Clock, type PluginContext } from '@neural-condense/sdk';
import { CommitBudget } from './commit-budget.js';
import { HfStore } from './hf-store.js';
import { hfOptionsSchema, type HfStoreOptions } from './options.js';
import { abortableSleep, retryingFetch, type Sleep } from './retry-after.js';

export { HfStore, type HfStoreConfig } from './hf-store.js';
export { CommitBudget, describeSustainableRate } from './commit-budget.js';
export { hfOptionsSchema, type HfStoreOptions } from './options.js';
export { abortableSleep, parseRetryAfter, retryingFetch, type RetryPolicy, type Sleep } from './retry-after.js';

/** Test seams: a fake sleep and clock make Retry-After and the hourly budget testable without waiting. */
export interface HfStoreOverrides {
  sleep?: Sleep;
  clock?: Clock;
  fetch?: typeof fetch;
}

/** Builds the store from validated options; the plugin's `create` calls it with no overrides. */
export function createHfStore(options: HfStoreOptions, context: PluginContext, overrides: HfStoreOverrides = {}, env: NodeJS.ProcessEnv = process.env): HfStore {
  const token = options.token ?? env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  if (!token) throw new ConfigError('store.options.token', 'no Hugging Face token: set HF_TOKEN (a write token from https://huggingface.co/settings/tokens)');
  if (!token.startsWith('hf_')) throw new ConfigError('store.options.token', 'HF_TOKEN must start with hf_');
  const hubUrl = (options.hubUrl ?? env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  const resolveBase = `${hubUrl}${options.repoType === 'dataset' ? '/datasets' : ''}/{repo}/resolve/${encodeURIComponent(options.revision)}`;
  const publicBaseUrl = options.publicBaseUrl ? normalizeBaseUrl(options.publicBaseUrl, 'store.options.publicBaseUrl') : resolveBase;
  if (options.repos.length > 1 && !publicBaseUrl.includes('{repo}')) {
    throw new ConfigError('store.options.publicBaseUrl', 'with several repos the public URL must contain {repo}, e.g. https://proxy.example.com/{repo}');
  }
  const clock = overrides.clock ?? context.clock;
  const logger = context.logger.child({ store: 'hf' });
  return new HfStore({
    repos: options.repos,
    repoType: options.repoType,
    prefix: normalizePrefix(options.prefix),
    revision: options.revision,
    token,
    hubUrl,
    publicBaseUrl,
    useXet: options.useXet,
    allowRedirectingHead: options.allowRedirectingHead,
    probeWrites: options.probeWrites,
    spoolDir: options.spoolDir ?? join(context.cacheDir, 'hf-spool'),
    budget: new CommitBudget(options.commitsPerHour, clock),
    fetch: retryingFetch(
      { maxRetries: options.maxRetries, maxWaitMs: options.maxRetryWaitMs, sleep: overrides.sleep ?? abortableSleep, now: () => clock.now(), logger },
      overrides.fetch ?? fetch,
    ),
    logger,
  });
}

/** Hugging Face Hub: artifacts committed to public dataset or model repos. */
export default definePlugin({
  name: '@neural-condense/storage-hf',
  version: '0.1.0',
  kind: 'store',
  apiVersion: PLUGIN_API_VERSION,
  options: hfOptionsSchema,
  create: (options, context) => createHfStore(options, context),
});
