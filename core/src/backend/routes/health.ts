import type Router from '@koa/router';
import type { TierSpec } from '@neural-condense/sdk';

export interface HealthInfo {
  tier: TierSpec;
  compressor: string;
  store: string;
  models: readonly string[];
}

/** `GET /health`: liveness plus what this backend serves. */
export function healthRoute(router: Router, info: () => HealthInfo | undefined): void {
  router.get('/health', (ctx) => {
    const i = info();
    ctx.status = i ? 200 : 503;
    ctx.body = i
      ? { status: 'ok', tier: i.tier.name, compressor: i.compressor, store: i.store, target_models: i.models }
      : { status: 'starting' };
  });
}
