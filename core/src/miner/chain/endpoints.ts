/** Public Subtensor endpoints by `--subtensor.network` name (bittensor's settings, spec §4.1). */
export const NETWORK_ENDPOINTS: Readonly<Record<string, string>> = {
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  archive: 'wss://archive.chain.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
};

/**
 * The WebSocket URL to connect to: `chainEndpoint` wins, then a ws(s) URL given as the
 * network, then the named network (`local` honours BT_SUBTENSOR_CHAIN_ENDPOINT as bittensor does).
 */
export function resolveChainEndpoint(network: string, chainEndpoint?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (chainEndpoint) return requireWsUrl(chainEndpoint, '--subtensor.chain_endpoint');
  if (/^wss?:\/\//.test(network)) return requireWsUrl(network, '--subtensor.network');
  if (network === 'local' && env.BT_SUBTENSOR_CHAIN_ENDPOINT) return requireWsUrl(env.BT_SUBTENSOR_CHAIN_ENDPOINT, 'BT_SUBTENSOR_CHAIN_ENDPOINT');
  const url = NETWORK_ENDPOINTS[network];
  if (!url) throw new Error(`unknown --subtensor.network '${network}'; use ${Object.keys(NETWORK_ENDPOINTS).join(', ')} or a ws(s):// URL`);
  return url;
}

function requireWsUrl(url: string, from: string): string {
  if (!/^wss?:\/\/[^\s]+$/.test(url)) throw new Error(`${from} '${url}' must be a ws:// or wss:// URL`);
  return url;
}
