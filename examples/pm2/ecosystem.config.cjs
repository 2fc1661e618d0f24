// pm2 processes for a Neural Condense (SN47) miner. Start one layout:
//   pm2 start examples/pm2/ecosystem.config.cjs --only condense-miner
//   pm2 start examples/pm2/ecosystem.config.cjs --only condense-backend,condense-miner-axon
// Edit the values below (or export them before `pm2 start`).
const env = {
  WALLET_NAME: process.env.WALLET_NAME ?? 'miner',
  WALLET_HOTKEY: process.env.WALLET_HOTKEY ?? 'default',
  NETUID: process.env.NETUID ?? '47',
  NETWORK: process.env.NETWORK ?? 'finney',
  TIER: process.env.TIER ?? 'research',
  AXON_PORT: process.env.AXON_PORT ?? '8091',
  EXTERNAL_IP: process.env.EXTERNAL_IP ?? '203.0.113.9', // your public IP
  BACKEND_HOST: process.env.BACKEND_HOST ?? '127.0.0.1',
  BACKEND_PORT: process.env.BACKEND_PORT ?? '8080',
  CONFIG: process.env.CONDENSE_CONFIG ?? 'miner.yaml', // compressor + store (see docs/miner.md)
};

// Read by the config file's ${...} placeholders (storage-minio).
const storageEnv = {
  MINIO_SERVER: process.env.MINIO_SERVER ?? '',
  MINIO_BUCKET: process.env.MINIO_BUCKET ?? 'condense-miner',
  MINIO_ACCESS_KEY: process.env.MINIO_ACCESS_KEY ?? '',
  MINIO_SECRET_KEY: process.env.MINIO_SECRET_KEY ?? '',
};

const chainFlags = [
  '--netuid', env.NETUID,
  '--subtensor.network', env.NETWORK,
  '--wallet.name', env.WALLET_NAME,
  '--wallet.hotkey', env.WALLET_HOTKEY,
  '--miner.tier', env.TIER,
  '--axon.port', env.AXON_PORT,
  '--axon.external_ip', env.EXTERNAL_IP,
];

module.exports = {
  apps: [
    {
      // One process: chain + axon + backend (the default layout).
      name: 'condense-miner',
      script: 'condense',
      args: ['miner', '--config', env.CONFIG, ...chainFlags],
      interpreter: 'none',
      env: storageEnv,
      kill_timeout: 35_000, // >= backend.shutdownGraceMs: let in-flight requests finish
      max_restarts: 20,
      restart_delay: 5_000,
    },
    {
      // Two processes, as the original ran them: the backend on the GPU host ...
      name: 'condense-backend',
      script: 'condense',
      args: ['backend', '--config', env.CONFIG, '--miner.tier', env.TIER, '--port', env.BACKEND_PORT],
      interpreter: 'none',
      env: storageEnv,
      kill_timeout: 35_000,
    },
    {
      // ... and the axon + chain process forwarding to it.
      name: 'condense-miner-axon',
      script: 'condense',
      args: ['miner', ...chainFlags, '--miner.backend_host', env.BACKEND_HOST, '--miner.backend_port', env.BACKEND_PORT],
      interpreter: 'none',
      kill_timeout: 35_000,
      max_restarts: 20,
      restart_delay: 5_000,
    },
  ],
};
