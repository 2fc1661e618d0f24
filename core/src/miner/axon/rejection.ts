/** Every reason a request is refused; the `outcome` label of `condense_axon_requests_total`. */
export type RejectionReason =
  | 'unknown_route'
  | 'method_not_allowed'
  | 'body_too_large'
  | 'malformed'
  | 'invalid_body'
  | 'deny_list'
  | 'unregistered'
  | 'stake_too_low'
  | 'no_validator_permit'
  | 'missing_header'
  | 'stale_nonce'
  | 'replayed_nonce'
  | 'bad_signature'
  | 'body_hash_mismatch'
  | 'rate_limited'
  | 'queue_full'
  | 'timeout'
  | 'backend_error'
  | 'internal';

/**
 * A refused request: the HTTP status and `{"message"}` the Python dendrite reads into
 * `axon.status_code` / `status_message` (bittensor's `create_error_response`).
 */
export class AxonRejection extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: RejectionReason,
  ) {
    super(message);
    this.name = 'AxonRejection';
  }
}

/** bittensor's 403 message for a blacklisted key (its trailing `.` follows the reason's own). */
export function blacklisted(reason: RejectionReason, why: string): AxonRejection {
  return new AxonRejection(403, `Forbidden. Key is blacklisted: ${why}.`, reason);
}

/** bittensor's 401 message for a failed verification. */
export function notVerified(reason: RejectionReason, why: string): AxonRejection {
  return new AxonRejection(401, `Not Verified with error: ${why}`, reason);
}
