import type { ExtDef } from '@polkadot/types/extrinsic/signedExtensions/types';

/**
 * Subtensor's own signed extensions (spec §4.6). Neither adds fields to the extrinsic or
 * to the signed payload in the runtimes we know, but @polkadot/api must be told so, or it
 * warns and may build extrinsics a node rejects.
 */
export const SUBTENSOR_SIGNED_EXTENSIONS: ExtDef = {
  SubtensorSignedExtension: { extrinsic: {}, payload: {} },
  CommitmentsSignedExtension: { extrinsic: {}, payload: {} },
};
