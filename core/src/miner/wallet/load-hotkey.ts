import type { KeyringPair } from '@polkadot/keyring/types';

/** Where a bittensor wallet lives: `<path>/<name>/hotkeys/<hotkey>`. */
export interface WalletLocation {
  /** Wallets folder, `~` expanded (default `~/.bittensor/wallets`). */
  path: string;
  /** Wallet name (`--wallet.name`). */
  name: string;
  /** Hotkey name (`--wallet.hotkey`). */
  hotkey: string;
}

/** Reads an unencrypted bittensor hotkey file and returns its sr25519 pair. */
export async function loadHotkey(location: WalletLocation): Promise<KeyringPair> {
  void location;
  throw new Error('loadHotkey: not implemented yet');
}
