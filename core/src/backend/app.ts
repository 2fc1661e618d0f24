import Koa from 'koa';
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { ArtifactStore, Logger } from '@neural-condense/sdk';
import type { CondenseService } from '../pipeline/types.js';
import { QueueFullError } from '../pipeline/job-queue.js';
import { errorMapper } from './middleware/errors.js';
import type { InFlightTracker } from './middleware/in-flight.js';
import { requestLog } from './middleware/request-log.js';
import { artifactsRoute } from './routes/artifacts.js';
import { condenseRoute, type CondenseAccess } from './routes/condense.js';
import { healthRoute, type HealthInfo } from './routes/health.js';
import { metricsRoute } from './routes/metrics.js';

export interface BackendAppDeps {
  logger: Logger;
  maxBodyBytes: number;
  /** Who may call POST /condense (default: anyone). */
  condenseAccess?: CondenseAccess;
  /** Tracks requests so shutdown can wait for them and refuse new ones. */
  inFlight?: InFlightTracker;
  /** Resolved once the runtime is up; until then /condense answers 503. */
  runtime: () => { condense: CondenseService; store: ArtifactStore; health: HealthInfo } | undefined;
}

/**
 * The backend as a list of middleware in the order a request meets them:
 * request id + log → error mapping → body limit → routes (condense, health, metrics, artifacts).
 */
export function createBackendApp(deps: BackendAppDeps): Koa {
  const app = new Koa();
  app.silent = true; // errors are logged by the error mapper, not printed by Koa
  const router = new Router();

  const service: CondenseService = {
    condense: (input, options) => {
      const rt = deps.runtime();
      if (!rt) return Promise.reject(new QueueFullError('the backend is still starting'));
      return rt.condense.condense(input, options);
    },
  };
  condenseRoute(router, service, deps.condenseAccess);
  healthRoute(router, () => deps.runtime()?.health);
  metricsRoute(router);
  artifactsRoute(router, () => deps.runtime()?.store);

  if (deps.inFlight) app.use(deps.inFlight.middleware);
  app.use(requestLog(deps.logger));
  app.use(errorMapper(deps.logger));
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: deps.maxBodyBytes, encoding: 'utf-8' }));
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: false }));
  return app;
}
