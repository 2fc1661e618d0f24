import { encodeAddress } from '@polkadot/util-crypto';
import { hexToU8a } from '@polkadot/util';
import { ConfigError } from '@neural-condense/sdk';
import { readKeyfile } from './keyfile.js';
import { coldkeyPubFile } from './paths.js';

/** Reads `<path>/<name>/coldkeypub.txt` and returns the coldkey's ss58 address. */
export async function loadColdkeyPub(location: { path: string; name: string }): Promise<string> {
  const file = coldkeyPubFile(location.path, location.name);
  const data = await readKeyfile(file, 'coldkeypub', `Create the wallet with btcli wallet new_coldkey --wallet.name ${location.name}, or copy its coldkeypub.txt here.`);
  if (data.ss58Address) return data.ss58Address;
  const hex = data.publicKey ?? data.accountId;
  if (hex) return encodeAddress(hexToU8a(hex), 42);
  throw new ConfigError('miner.wallet', `${file} has no ss58Address, publicKey or accountId`);
}
