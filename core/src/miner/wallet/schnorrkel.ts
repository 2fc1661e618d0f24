/**
 * Converts a 64-byte sr25519 secret from schnorrkel's canonical form (what bittensor-wallet
 * writes as `privateKey`: 32-byte LE scalar ‖ 32-byte nonce) to the "half-ed25519" form
 * polkadot.js keeps (the scalar multiplied by the cofactor 8, nonce unchanged).
 */
export function canonicalToHalfEd25519(secret: Uint8Array): Uint8Array {
  if (secret.length !== 64) throw new RangeError(`sr25519 secret must be 64 bytes, got ${secret.length}`);
  const out = new Uint8Array(secret);
  // Little-endian multiply by 8: shift left 3 bits carrying into the next byte. A reduced
  // scalar is < 2^253, so the top 3 bits shifted out are always zero.
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const v = (secret[i] << 3) | carry;
    out[i] = v & 0xff;
    carry = v >> 8;
  }
  if (carry !== 0) throw new RangeError('sr25519 secret scalar is not reduced (not a canonical schnorrkel key)');
  return out;
}
