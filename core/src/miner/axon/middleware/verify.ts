import type { Context, Next } from 'koa';
import { EMPTY_BODY_HASH } from '../../protocol/body-hash.js';
import type { RequestVerifier } from '../verifier.js';
import { axonState } from './respond.js';

/** Every synapse, ping included, must carry a valid sr25519 signature and a fresh nonce. */
export function verify(options: { verifier: RequestVerifier }) {
  return async function verifyMiddleware(ctx: Context, next: Next): Promise<void> {
    // SN47's synapses declare no required_hash_fields, so their body hash is constant.
    options.verifier.verify(axonState(ctx).headers, EMPTY_BODY_HASH);
    await next();
  };
}
