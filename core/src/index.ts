/** @neural-condense/core: config, plugin loading, the condense pipeline, the backend and the miner. */
export * from './config/index.js';
export { loadPlugin, type LoadedPlugin } from './plugins/load-plugin.js';
export { createRuntime, createStore, configuredHostUrl, CondenseServiceToken, type Runtime, type RuntimeOptions } from './container.js';
export { CondensePipeline, type CondensePipelineDeps } from './pipeline/condense-pipeline.js';
export { JobQueue, QueueFullError } from './pipeline/job-queue.js';
export type { CondenseService, CondenseInput, CondenseOptions, CondenseOutput } from './pipeline/types.js';
export { createBackendApp, type BackendAppDeps } from './backend/app.js';
export { startBackend, type RunningBackend, type StartBackendOptions } from './backend/server.js';
export { anyCaller, loopbackOnly, type CondenseAccess } from './backend/routes/condense.js';
export { STATUS_BY_CODE, toErrorResponse, type ErrorBody } from './backend/middleware/errors.js';
export { collectExpired, startTtlGc, type GcResult } from './store/ttl-gc.js';
export { createLogger } from './logging.js';
export { registry as metricsRegistry } from './metrics.js';
