/** The header values a dendrite signs, as strings exactly as they came over the wire. */
export interface SignedFields {
  /** Decimal nanoseconds (exceeds 2^53: never parse it into a number). */
  nonce: string;
  dendriteHotkey: string;
  uuid: string;
  computedBodyHash: string;
}

/**
 * The message bittensor's `default_verify` checks: `{nonce}.{dendrite hotkey}.{axon hotkey}.{uuid}.{body hash}`.
 * The third element is the RECEIVING axon's own hotkey, which pins a request to one miner.
 */
export function signatureMessage(fields: SignedFields, axonHotkey: string): string {
  return `${fields.nonce}.${fields.dendriteHotkey}.${axonHotkey}.${fields.uuid}.${fields.computedBodyHash}`;
}
