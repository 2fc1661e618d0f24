// Axon overhead on loopback: signed TextCompressProtocol requests/s and latency through
// parse -> blacklist -> verify -> rate limit -> priority -> forward to a no-op
// CondenseService, next to the raw sr25519 verify rates measured in the same run, and how
// fast the axon sheds junk (unregistered callers, bad signatures) while serving real ones.
// The axon runs in a worker thread so the load generator does not share its event loop.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';

const core = new URL('../../core/dist/', import.meta.url);
const CONCURRENCY = 16;
const REAL = 2000;
const MIXED_REAL = 1000;
const MIXED_JUNK = 1000; // of each kind

if (!isMainThread && workerData?.role === 'axon') {
  const { createAxon } = await import(new URL('miner/axon/index.js', core).href);
  const { minerConfigSchema } = await import(new URL('miner/config.js', core).href);
  const { staticMetagraph } = await import(new URL('miner/metagraph.js', core).href);
  const { Keyring } = await import('@polkadot/keyring');
  const { cryptoWaitReady } = await import('@polkadot/util-crypto');
  await cryptoWaitReady();
  const miner = new Keyring({ type: 'sr25519' }).addFromUri('//Miner');
  const config = minerConfigSchema.parse({ rateLimit: { requestsPerEpoch: 1e9 }, axon: { concurrency: 64, maxQueued: 1000 } });
  config.axon.port = 0;
  config.axon.host = '127.0.0.1';
  const tier = { name: 'research', output: 'kv-cache', minCondensedTokens: 128, maxCondensedTokens: 1024, maxContextChars: 10000, timeoutMs: 32000, targetModels: ['m'], requestsPerEpoch: 256 };
  const noop = { condense: async (input) => ({ target_model: input.targetModel, compressed_kv_url: 'http://127.0.0.1:1/x.npy', timings: {} }) };
  const silent = { debug() {}, info() {}, warn() {}, error() {}, child() { return silent; } };
  const axon = createAxon({
    config,
    tier,
    hotkey: miner,
    metagraph: staticMetagraph({ netuid: 47, block: 1, hotkeys: workerData.hotkeys, stakes: workerData.hotkeys.map(() => 50000), validatorPermits: workerData.hotkeys.map(() => true) }),
    condense: noop,
    logger: silent,
  });
  const { port } = await axon.listen();
  parentPort.postMessage({ port, miner: miner.address });
  const { registry } = await import(new URL('metrics.js', core).href);
  parentPort.on('message', async (m) => {
    if (m === 'close') {
      await axon.close();
      // Server-side time per request, from the axon's own histogram.
      const metric = (await registry.getMetricsAsJSON()).find((x) => x.name === 'condense_axon_request_seconds');
      const sums = {};
      for (const v of metric?.values ?? []) {
        if (!v.metricName.endsWith('_sum') && !v.metricName.endsWith('_count')) continue;
        const key = `${v.labels.status}${v.metricName.endsWith('_sum') ? ':sum' : ':count'}`;
        sums[key] = (sums[key] ?? 0) + v.value;
      }
      parentPort.postMessage(sums);
    }
  });
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

function rate(n, ms) {
  return Math.round(n / (ms / 1000));
}

export default async function ({ log }) {
  const { cryptoWaitReady, sr25519Verify: jsVerify } = await import('@polkadot/util-crypto');
  const wasm = await import('@polkadot/wasm-crypto');
  const { u8aToHex } = await import('@polkadot/util');
  await cryptoWaitReady();
  await wasm.waitReady();
  const { encodeAddress } = await import('@polkadot/util-crypto');
  // Keys from seeds through the WASM sr25519, so pre-signing thousands of requests is quick.
  const wasmPair = (i) => {
    const kp = wasm.sr25519KeypairFromSeed(new Uint8Array(32).fill(i + 1));
    const publicKey = kp.slice(64);
    const secretKey = kp.slice(0, 64);
    return { address: encodeAddress(publicKey, 42), publicKey, sign: (m) => wasm.sr25519Sign(publicKey, secretKey, m) };
  };
  const validators = Array.from({ length: CONCURRENCY }, (_, i) => wasmPair(i));
  const stranger = wasmPair(200);
  const rows = [];

  // Raw verify rates on this machine, same process, same message shape.
  const msg = new TextEncoder().encode(`1795587909000000000.${validators[0].address}.${stranger.address}.${randomUUID()}.a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a`);
  const sig = validators[0].sign(msg);
  for (const [label, n, fn] of [
    ['sr25519 verify, @polkadot/wasm-crypto', 3000, () => wasm.sr25519Verify(sig, msg, validators[0].publicKey)],
    ['sr25519 verify, @polkadot/util-crypto (pure JS)', 300, () => jsVerify(msg, sig, validators[0].publicKey)],
  ]) {
    log(`${label} ...`);
    for (let i = 0; i < Math.min(50, n); i++) fn();
    const t = performance.now();
    for (let i = 0; i < n; i++) if (!fn()) throw new Error('verify failed');
    rows.push([label, n, rate(n, performance.now() - t), '', '']);
  }

  const worker = new Worker(new URL(import.meta.url), { workerData: { role: 'axon', hotkeys: validators.map((v) => v.address) } });
  const { port, miner } = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const url = `http://127.0.0.1:${port}/TextCompressProtocol`;
  const bodyHash = 'a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a';
  let nonce = BigInt(Date.now()) * 1_000_000n;
  const body = JSON.stringify({ name: 'TextCompressProtocol', timeout: 32.0, context: 'x'.repeat(2000), target_model: 'm' });

  // Signing happens before the clock starts: we measure the axon, not the client's signing.
  function request(pair, kind = 'real') {
    const uuid = randomUUID();
    const n = (nonce += 1000n).toString();
    const message = `${n}.${pair.address}.${miner}.${uuid}.${bodyHash}`;
    // A bad signature is a well-formed one by another key, so the axon pays a full verify.
    const signer = kind === 'badsig' ? stranger : pair;
    const signature = u8aToHex(signer.sign(new TextEncoder().encode(message)));
    return {
      kind,
      headers: {
        'content-type': 'application/json',
        name: 'TextCompressProtocol',
        timeout: '32.0',
        bt_header_dendrite_nonce: n,
        bt_header_dendrite_uuid: uuid,
        bt_header_dendrite_hotkey: pair.address,
        bt_header_dendrite_signature: signature,
        bt_header_dendrite_version: '9000000',
        computed_body_hash: bodyHash,
      },
    };
  }

  async function drive(requests) {
    const lat = { real: [], unregistered: [], badsig: [] };
    const statuses = {};
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) {
          const r = requests[next++];
          const t = performance.now();
          const res = await fetch(url, { method: 'POST', headers: r.headers, body });
          await res.arrayBuffer();
          lat[r.kind].push(performance.now() - t);
          statuses[`${r.kind}:${res.status}`] = (statuses[`${r.kind}:${res.status}`] ?? 0) + 1;
        }
      }),
    );
    return { ms: performance.now() - t0, lat, statuses };
  }

  // Warm up the connection pool and the JIT.
  await drive(Array.from({ length: 200 }, (_, i) => request(validators[i % CONCURRENCY])));

  log(`${REAL} signed requests, concurrency ${CONCURRENCY} ...`);
  const clean = await drive(Array.from({ length: REAL }, (_, i) => request(validators[i % CONCURRENCY])));
  if (clean.statuses['real:200'] !== REAL) throw new Error(`expected ${REAL} x 200, got ${JSON.stringify(clean.statuses)}`);
  const cl = clean.lat.real.sort((a, b) => a - b);
  rows.push([`signed TextCompressProtocol -> no-op compressor (concurrency ${CONCURRENCY})`, REAL, rate(REAL, clean.ms), percentile(cl, 50).toFixed(2), percentile(cl, 99).toFixed(2)]);

  log(`mixed: ${MIXED_REAL} real + ${MIXED_JUNK} unregistered + ${MIXED_JUNK} bad-signature ...`);
  const mixed = [];
  for (let i = 0; i < MIXED_REAL; i++) {
    mixed.push(request(validators[i % CONCURRENCY]));
    mixed.push(request(stranger, 'unregistered'));
    mixed.push(request(validators[(i + 1) % CONCURRENCY], 'badsig'));
  }
  const mix = await drive(mixed);
  const expectStatus = { 'real:200': MIXED_REAL, 'unregistered:403': MIXED_JUNK, 'badsig:401': MIXED_JUNK };
  for (const [k, v] of Object.entries(expectStatus)) if (mix.statuses[k] !== v) throw new Error(`mixed run: expected ${v} x ${k}, got ${JSON.stringify(mix.statuses)}`);
  for (const [kind, label, count] of [
    ['real', 'mixed: real requests served', MIXED_REAL],
    ['unregistered', 'mixed: unregistered callers shed (403, no crypto)', MIXED_JUNK],
    ['badsig', 'mixed: bad signatures shed (401, one verify each)', MIXED_JUNK],
  ]) {
    const l = mix.lat[kind].sort((a, b) => a - b);
    rows.push([label, count, rate(count, mix.ms), percentile(l, 50).toFixed(2), percentile(l, 99).toFixed(2)]);
  }
  rows.push(['mixed: all requests', MIXED_REAL + 2 * MIXED_JUNK, rate(MIXED_REAL + 2 * MIXED_JUNK, mix.ms), '', '']);

  worker.postMessage('close');
  const server = await new Promise((r) => worker.once('message', r));
  await worker.terminate();
  for (const [status, label] of [['200', 'served (200)'], ['401', 'bad signature (401)'], ['403', 'unregistered (403)']]) {
    const count = server[`${status}:count`] ?? 0;
    if (count) rows.push([`axon-side latency, ${label}: mean (ms)`, count, '', ((server[`${status}:sum`] / count) * 1000).toFixed(3), '']);
  }

  return {
    title: 'Axon overhead (loopback, no-op compressor)',
    columns: ['measurement', 'requests', 'rate (/s)', 'p50 (ms)', 'p99 (ms)'],
    rows,
    notes: [
      'The axon runs in a worker thread; the load generator (undici fetch, keep-alive) shares the machine, so end-to-end rates are bounded by the client too. Requests are signed (WASM) before timing starts.',
      'Axon-side latency is the mean of condense_axon_request_seconds (arrival to reply written, all runs incl. warm-up); under concurrency it includes waiting for the event loop, so it is an upper bound on the CPU cost per request.',
      'Mixed rates are each kind\'s count over the whole mixed run\'s wall time, so they add up to the total rate.',
      'Body: a 2,000-character context. Verify uses @polkadot/wasm-crypto; unregistered callers are refused by the blacklist before any signature work.',
      'Reproduce: `npm run bench -- axon` (or `npx tsc -b core && node bench/run.mjs axon`).',
    ],
  };
}
