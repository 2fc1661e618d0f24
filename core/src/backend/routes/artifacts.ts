import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { ArtifactStore } from '@neural-condense/sdk';

/**
 * `GET|HEAD /artifacts/<key>.npy` for stores this process serves itself (local disk).
 * Anonymous, as validators download without credentials; HEAD answers the length first.
 */
export function artifactsRoute(router: Router, store: () => ArtifactStore | undefined): void {
  router.get('/artifacts/:key', async (ctx) => {
    const s = store();
    const artifact = s?.open ? await s.open(ctx.params.key) : undefined;
    if (!artifact) {
      ctx.status = 404;
      ctx.body = { error: 'not_found', detail: `no artifact ${ctx.params.key}` };
      return;
    }
    ctx.status = 200;
    ctx.type = 'application/octet-stream';
    ctx.lastModified = new Date(artifact.lastModified);
    ctx.set('Cache-Control', 'no-store');
    // HEAD (validators send one first) gets the headers only; no file handle is opened.
    if (ctx.method !== 'HEAD') ctx.body = Readable.from(artifact.stream());
    ctx.length = artifact.size;
  });
}
