// A TEST-ONLY store plugin: the local store whose upload fails after N bytes, to prove a
// failed upload leaves nothing visible.
import { definePlugin, PLUGIN_API_VERSION, z, type PutRequest } from '@neural-condense/sdk';
import { LocalStore } from '@neural-condense/storage-local';

export default definePlugin({
  name: 'failing-store',
  kind: 'store',
  apiVersion: PLUGIN_API_VERSION,
  options: z.object({ dir: z.string(), failAfterBytes: z.number().int().min(0) }).strict(),
  create: (opts, ctx) => {
    const store = new LocalStore({ dir: opts.dir, publicBaseUrl: `${ctx.hostUrl}/artifacts` });
    const put = store.put.bind(store);
    store.put = (req: PutRequest) => {
      async function* failing() {
        let sent = 0;
        for await (const chunk of req.body) {
          if (sent + chunk.length > opts.failAfterBytes) {
            yield chunk.subarray(0, Math.max(0, opts.failAfterBytes - sent));
            throw new Error('simulated network failure');
          }
          sent += chunk.length;
          yield chunk;
        }
      }
      return put({ ...req, body: failing() });
    };
    return store;
  },
});
