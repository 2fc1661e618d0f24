/**
 * bittensor's `version_as_int`: sum of part * 1000^i over the reversed `major.minor.patch`
 * (8.4.3 -> 8004003, 9.0.0 -> 9000000), as sent in `bt_header_*_version` and `serve_axon`.
 */
export function versionAsInt(version: string): number {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10));
  if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 999)) {
    throw new Error(`version '${version}' is not major.minor.patch with parts 0..999`);
  }
  const [major, minor, patch] = parts as [number, number, number];
  return major * 1_000_000 + minor * 1000 + patch;
}

/** Dendrites at or above this version get the nonce time window check (bittensor `V_7_2_0`). */
export const V_7_2_0 = 7_002_000;

/** The bittensor version this axon speaks and advertises (the subnet's last pin was 9.0.0). */
export const BITTENSOR_VERSION = '9.0.0';

/** `versionAsInt(BITTENSOR_VERSION)`. */
export const AXON_VERSION = versionAsInt(BITTENSOR_VERSION);
