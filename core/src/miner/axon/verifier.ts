import { sr25519Verify, waitReady } from '@polkadot/wasm-crypto';
import { decodeAddress } from '@polkadot/util-crypto';
import { hexToU8a, isHex } from '@polkadot/util';
import type { Clock } from '@neural-condense/sdk';
import { signatureMessage } from '../protocol/signature-message.js';
import type { SynapseHeaders } from '../protocol/headers.js';
import { notVerified, AxonRejection } from './rejection.js';

/** bittensor's ALLOWED_DELTA: how old a first nonce may be beyond the request's timeout. */
export const ALLOWED_DELTA_NS = 4_000_000_000n;

/**
 * The largest `timeout` header the nonce window honours. The header is not signed, so an
 * unbounded one would let a replayed old request through the window.
 */
export const MAX_WINDOW_TIMEOUT_S = 120;

// Stored nonces older than any acceptable window can be forgotten: a replay of them is
// refused as stale by the window check instead.
const PRUNE_AT_ENTRIES = 10_000;
const FORGET_AFTER_NS = ALLOWED_DELTA_NS + BigInt(MAX_WINDOW_TIMEOUT_S) * 1_000_000_000n;

/** Loads the WASM sr25519 (about 8x faster than the pure-JS one); call once before verifying. */
export async function initVerifier(): Promise<void> {
  await waitReady();
}

/**
 * bittensor's `default_verify`, made stricter: the nonce window applies to every dendrite
 * version, the timeout it grants is capped, and the body hash must equal the expected one.
 * Signatures are checked with the WASM sr25519 over the raw UTF-8 message.
 */
export class RequestVerifier {
  private readonly nonces = new Map<string, bigint>();

  constructor(
    /** ss58 of this miner's hotkey: the third element of the signed message. */
    private readonly axonHotkey: string,
    private readonly clock: Clock,
  ) {}

  /** Throws an AxonRejection (401, or 500 for a body-hash mismatch) unless the request verifies. */
  verify(headers: SynapseHeaders, expectedBodyHash: string): void {
    const { nonce: nonceText, hotkey, uuid, signature } = headers.dendrite;
    if (nonceText === undefined) throw notVerified('missing_header', 'Missing Nonce');
    if (!/^\d{1,30}$/.test(nonceText)) throw notVerified('missing_header', 'Nonce is not an integer');
    if (hotkey === undefined || uuid === undefined || signature === undefined || headers.computedBodyHash === undefined) {
      throw notVerified('missing_header', 'Missing dendrite hotkey, uuid, signature or computed_body_hash header');
    }
    const nonce = BigInt(nonceText);
    const key = `${hotkey}:${uuid}`;
    const now = BigInt(Math.round(this.clock.now())) * 1_000_000n;
    const last = this.nonces.get(key);
    if (last === undefined) {
      const timeoutS = Math.min(Math.max(Number.parseFloat(headers.timeout ?? '0') || 0, 0), MAX_WINDOW_TIMEOUT_S);
      const window = now - ALLOWED_DELTA_NS - BigInt(Math.round(timeoutS * 1e9));
      if (nonce <= window) {
        const allowed = 4 + timeoutS;
        const age = Number(now - nonce) / 1e9;
        throw notVerified('stale_nonce', `Nonce is too old: acceptable delta is ${allowed.toFixed(2)} seconds but request was ${age.toFixed(2)} seconds old`);
      }
    } else if (nonce <= last) {
      throw notVerified('replayed_nonce', 'Nonce is too old, a newer one was last processed');
    }
    // Python formats the parsed int, so a zero-padded header is signed without its zeros.
    const message = signatureMessage({ nonce: nonce.toString(), dendriteHotkey: hotkey, uuid, computedBodyHash: headers.computedBodyHash }, this.axonHotkey);
    if (!this.signatureValid(message, signature, hotkey)) throw notVerified('bad_signature', `Signature mismatch with ${message} and ${signature}`);
    this.remember(key, nonce, now);
    if (headers.computedBodyHash !== expectedBodyHash) {
      throw new AxonRejection(500, `Hash mismatch between header body hash ${headers.computedBodyHash} and parsed body hash ${expectedBodyHash}`, 'body_hash_mismatch');
    }
  }

  private signatureValid(message: string, signature: string, hotkey: string): boolean {
    const hex = signature.startsWith('0x') ? signature : `0x${signature}`;
    if (!isHex(hex, 512)) return false;
    let publicKey: Uint8Array;
    try {
      publicKey = decodeAddress(hotkey);
    } catch {
      return false;
    }
    if (publicKey.length !== 32) return false;
    return sr25519Verify(hexToU8a(hex), new TextEncoder().encode(message), publicKey);
  }

  private remember(key: string, nonce: bigint, now: bigint): void {
    if (this.nonces.size >= PRUNE_AT_ENTRIES) {
      for (const [k, n] of this.nonces) if (n < now - FORGET_AFTER_NS) this.nonces.delete(k);
    }
    this.nonces.set(key, nonce);
  }
}
