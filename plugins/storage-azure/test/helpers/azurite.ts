import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '@neural-condense/sdk/testing';

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** A running azurite blob service on 127.0.0.1. */
export interface Azurite {
  endpoint: string;
  connectionString: string;
  /** Stops the process but keeps its data (an outage: open connections drop). */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}


async function spawnAzurite(port: number, location: string): Promise<ChildProcess> {
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/blob/main.js');
  const args = [main, '--blobHost', '127.0.0.1', '--blobPort', String(port), '--location', location, '--skipApiVersionCheck', '--disableTelemetry', '--silent'];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (data: Buffer) => {
      output += data.toString();
      if (output.includes('successfully listens')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`azurite exited with ${code} before listening:\n${output}`)));
    child.once('error', reject);
  });
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // SIGTERM: azurite saves its metadata database on the way out (SIGKILL could lose the container).
  child.kill('SIGTERM');
  await exited;
}

/** Starts `azurite-blob` as a child process with a temp data dir; resolves once it listens. */
export async function startAzurite(): Promise<Azurite> {
  const location = await mkdtemp(join(tmpdir(), 'azurite-'));
  const port = await freeLoopbackPort();
  let child = await spawnAzurite(port, location);
  const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
  return {
    endpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`,
    kill: () => kill(child),
    async restart() {
      await kill(child);
      child = await spawnAzurite(port, location);
    },
    async stop() {
      await kill(child);
      await rm(location, { recursive: true, force: true });
    },
  };
}
