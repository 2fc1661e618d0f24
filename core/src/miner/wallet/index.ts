export { loadHotkey, pairFromKeyfile, type WalletLocation } from './load-hotkey.js';
export { loadColdkeyPub } from './load-coldkey-pub.js';
export { expandHome, hotkeyFile, coldkeyPubFile } from './paths.js';
export { canonicalToHalfEd25519 } from './schnorrkel.js';
export type { KeyfileData } from './keyfile.js';
