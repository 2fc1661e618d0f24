import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** Which Subtensor storage layout a blob describes: stake in `TotalHotkeyStake` (pre) or `TotalHotkeyAlpha` (post). */
export type ChainShape = 'pre-dtao' | 'post-dtao';

/** Real runtime metadata plus the version facts a node reports with it. */
export interface RuntimeBlob {
  shape: ChainShape;
  source: string;
  chainName: string;
  specName: string;
  specVersion: number;
  txVersion: number;
  genesisHash: `0x${string}`;
  /** SCALE-encoded `RuntimeMetadataPrefixed`, 0x hex. */
  metadata: `0x${string}`;
}

// The blobs live next to the sources; the compiled module (core/dist/miner/devnet/) finds
// them in core/src/miner/devnet/metadata/, which the package ships.
const candidates = [new URL('./metadata/', import.meta.url), new URL('../../../src/miner/devnet/metadata/', import.meta.url)];

const cache = new Map<ChainShape, RuntimeBlob>();

/** Loads one of the shipped metadata blobs (see metadata/README.md for their origin). */
export function loadRuntimeBlob(shape: ChainShape): RuntimeBlob {
  const hit = cache.get(shape);
  if (hit) return hit;
  const dir = candidates.find((url) => existsSync(fileURLToPath(new URL(`${shape}.json.gz`, url))));
  if (!dir) throw new Error(`runtime metadata '${shape}.json.gz' not found next to ${fileURLToPath(import.meta.url)}; reinstall @neural-condense/core`);
  const blob = JSON.parse(gunzipSync(readFileSync(fileURLToPath(new URL(`${shape}.json.gz`, dir)))).toString('utf8')) as Omit<RuntimeBlob, 'specVersion' | 'txVersion'> & {
    specVersion: number | string;
    txVersion: number | string;
  };
  const loaded: RuntimeBlob = { ...blob, shape, specVersion: Number(blob.specVersion), txVersion: Number(blob.txVersion) };
  cache.set(shape, loaded);
  return loaded;
}
