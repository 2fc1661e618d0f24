import { randomBytes } from 'node:crypto';

// Nonces are nanosecond integers above 2^53; JSON.stringify refuses bigint, and a JS
// number would round them. A per-process marker lets them out as bare JSON integers.
const MARK = `bigint:${randomBytes(8).toString('hex')}:`;
const MARKED = new RegExp(`"${MARK}(-?\\d+)"`, 'g');

/** JSON.stringify that writes bigint values as exact JSON integers. */
export function stringifyWithBigInt(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${MARK}${v}` : v)).replace(MARKED, '$1');
}
