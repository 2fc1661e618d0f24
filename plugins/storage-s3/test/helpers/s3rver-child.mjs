// Starts s3rver-process.mjs as a child and follows its output: the parent side of a
// killable s3rver for outage tests.
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url));

/**
 * Spawns s3rver in a child process. Options as startS3rver (`port`, `directory`,
 * `buckets`). Returns `{ endpoint, port, events, kill() }`: `events` re-emits the child's
 * `request` lines; `kill()` sends SIGKILL (a crash: no connection is closed politely).
 */
export async function spawnS3rver(options) {
  const child = spawn(process.execPath, [entry, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const events = new EventEmitter();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`s3rver child exited with ${code} before it was ready`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const message = JSON.parse(line);
      if (message.ready) resolve(message.ready);
      if (message.request) events.emit('request', message.request);
    });
  });
  const { port, endpoint } = await ready;
  return {
    port,
    endpoint,
    events,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
