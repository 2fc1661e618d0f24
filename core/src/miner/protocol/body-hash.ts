import { createHash } from 'node:crypto';

/** bittensor's `get_hash`: lowercase hex SHA3-256 (FIPS-202, not Keccak) of the UTF-8 string. */
export function sha3Hex(text: string): string {
  return createHash('sha3-256').update(text, 'utf8').digest('hex');
}

/**
 * The synapse body hash: hash of the concatenated hashes of the `required_hash_fields`'
 * string forms. Both SN47 synapses declare none, so theirs is `sha3Hex('')`.
 */
export function bodyHash(requiredFieldStrings: readonly string[]): string {
  return sha3Hex(requiredFieldStrings.map(sha3Hex).join(''));
}

/** The body hash of every SN47 synapse (`sha3_256("")`). */
export const EMPTY_BODY_HASH = bodyHash([]);
