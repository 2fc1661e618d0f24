import { readFile } from 'node:fs/promises';
import { ConfigError } from '@neural-condense/sdk';

/** The JSON of an unencrypted bittensor keyfile; every key optional. */
export interface KeyfileData {
  secretPhrase?: string;
  secretSeed?: string;
  privateKey?: string;
  publicKey?: string;
  accountId?: string;
  ss58Address?: string;
}

// bittensor-wallet's encrypted keyfile prefixes (NaCl, Ansible Vault, legacy Fernet).
const ENCRYPTED_PREFIXES = ['$NACL', '$ANSIBLE_VAULT', 'gAAAAA'];

/**
 * Reads a keyfile as JSON. `what` and `fix` name the key and how to (re)create it in errors.
 * Never puts file contents in an error message.
 */
export async function readKeyfile(file: string, what: string, fix: string): Promise<KeyfileData> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError('miner.wallet', `${what} keyfile not found at ${file}. ${fix}`);
    throw new ConfigError('miner.wallet', `cannot read ${what} keyfile ${file}: ${code ?? String(err)}`);
  }
  const head = raw.subarray(0, 16).toString('latin1');
  if (ENCRYPTED_PREFIXES.some((p) => head.startsWith(p))) {
    throw new ConfigError(
      'miner.wallet',
      `${what} keyfile ${file} is encrypted; the miner reads unencrypted hotkeys only. ` +
        `Recreate it without a password: btcli wallet regen_hotkey --wallet.name <name> --wallet.hotkey <hotkey> --no-use-password`,
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ConfigError('miner.wallet', `${what} keyfile ${file} is not JSON (nor a known encrypted format)`);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new ConfigError('miner.wallet', `${what} keyfile ${file} is not a JSON object`);
  const out: KeyfileData = {};
  for (const key of ['secretPhrase', 'secretSeed', 'privateKey', 'publicKey', 'accountId', 'ss58Address'] as const) {
    const value = (data as Record<string, unknown>)[key];
    if (typeof value === 'string' && value.length > 0) out[key] = value;
  }
  return out;
}
