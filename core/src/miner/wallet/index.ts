export { loadHotkey, type WalletLocation } from './load-hotkey.js';
