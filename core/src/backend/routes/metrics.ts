import type Router from '@koa/router';
import { registry } from '../../metrics.js';

/** `GET /metrics`: Prometheus text format. */
export function metricsRoute(router: Router): void {
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
}
