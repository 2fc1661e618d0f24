import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Expands a leading `~` to the user's home folder (bittensor's `os.path.expanduser`). */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return resolve(path);
}

/** `<path>/<name>/hotkeys/<hotkey>`. */
export function hotkeyFile(path: string, name: string, hotkey: string): string {
  return join(expandHome(path), name, 'hotkeys', hotkey);
}

/** `<path>/<name>/coldkeypub.txt`. */
export function coldkeyPubFile(path: string, name: string): string {
  return join(expandHome(path), name, 'coldkeypub.txt');
}
