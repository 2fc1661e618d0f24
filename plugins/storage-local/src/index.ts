import { join } from 'node:path';
import { definePlugin, PLUGIN_API_VERSION, z } from '@neural-condense/sdk';
import { LocalStore } from './local-store.js';

export { LocalStore, type LocalStoreOptions } from './local-store.js';

const options = z
  .object({
    /** Directory for artifacts; default `<cacheDir>/artifacts`. */
    dir: z.string().min(1).optional(),
    /** URL prefix validators download from; default `<backend public URL>/artifacts`. */
    publicBaseUrl: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();

/** The embedded default store: files on the local disk, served by the backend at /artifacts. */
export default definePlugin({
  name: '@neural-condense/storage-local',
  version: '0.1.0',
  kind: 'store',
  apiVersion: PLUGIN_API_VERSION,
  options,
  create: (opts, ctx) =>
    new LocalStore({
      dir: opts.dir ?? join(ctx.cacheDir, 'artifacts'),
      publicBaseUrl: (opts.publicBaseUrl ?? `${ctx.hostUrl}/artifacts`).replace(/\/+$/, ''),
    }),
});
