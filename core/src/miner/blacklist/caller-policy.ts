import { uidOf, type Metagraph } from '../metagraph.js';

/** Why a caller was refused; also the `reason` label of the rejection counter. */
export type BlacklistReason = 'deny_list' | 'unregistered' | 'stake_too_low' | 'no_validator_permit';

/** The outcome of the cheap, pre-signature caller check. */
export type CallerVerdict =
  | { allowed: true; uid: number | undefined; stake: number; allowListed: boolean }
  | { allowed: false; reason: BlacklistReason; message: string };

/** Who may call: values from `miner.blacklist` with the min stake resolved. */
export interface CallerPolicy {
  minStake: number;
  requireValidatorPermit: boolean;
  allowHotkeys: ReadonlySet<string>;
  denyHotkeys: ReadonlySet<string>;
}

/**
 * The original miner's blacklist (registered, stake >= MIN_STAKE) plus deny/allow lists
 * and an optional validator-permit requirement. Reads only the metagraph: no crypto, so it
 * sheds junk before the signature check costs anything.
 */
export function checkCaller(policy: CallerPolicy, metagraph: Metagraph, hotkey: string): CallerVerdict {
  if (policy.denyHotkeys.has(hotkey)) return { allowed: false, reason: 'deny_list', message: 'Hotkey is on the deny list.' };
  const uid = uidOf(metagraph, hotkey);
  const stake = uid === undefined ? 0 : (metagraph.stakes[uid] ?? 0);
  if (policy.allowHotkeys.has(hotkey)) return { allowed: true, uid, stake, allowListed: true };
  if (uid === undefined) return { allowed: false, reason: 'unregistered', message: `Hotkey is not registered on netuid ${metagraph.netuid}.` };
  if (stake < policy.minStake) return { allowed: false, reason: 'stake_too_low', message: 'Stake too low.' };
  if (policy.requireValidatorPermit && !metagraph.validatorPermits[uid]) {
    return { allowed: false, reason: 'no_validator_permit', message: 'No validator permit.' };
  }
  return { allowed: true, uid, stake, allowListed: false };
}
