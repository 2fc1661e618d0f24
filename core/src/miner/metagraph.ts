/**
 * What the axon needs to know about the subnet: who is registered and with what stake.
 * The chain client (miner/chain/) produces it; blacklist and priority read it.
 */
export interface Metagraph {
  netuid: number;
  /** Block number the snapshot was read at. */
  block: number;
  /** Hotkey ss58 address by uid. */
  hotkeys: readonly string[];
  /** Stake in TAO by uid: pre-dTAO `TotalHotkeyStake`, post-dTAO the subnet's `total_stake`. */
  stakes: readonly number[];
  /** Validator permit by uid. */
  validatorPermits: readonly boolean[];
}

/** The latest metagraph, kept fresh by a periodic sync. */
export interface MetagraphProvider {
  current(): Metagraph;
}

/** The uid of a hotkey, or undefined when it is not registered. */
export function uidOf(metagraph: Metagraph, hotkey: string): number | undefined {
  const uid = metagraph.hotkeys.indexOf(hotkey);
  return uid < 0 ? undefined : uid;
}

/** A provider that always returns the same snapshot (tests, `condense query`). */
export function staticMetagraph(metagraph: Metagraph): MetagraphProvider {
  return { current: () => metagraph };
}
