export { ChainClient, type ChainClientOptions, type ServeAxonReceipt } from './chain-client.js';
export { ChainError, NotRegisteredError, withTimeout, type ChainErrorCode } from './errors.js';
export { NETWORK_ENDPOINTS, resolveChainEndpoint } from './endpoints.js';
export { AXON_PROTOCOL, AXON_VERSION_AS_INT, axonMatches, describeAxon, intToIp, ipToInt, type AxonInfo, type AxonTarget } from './axon-info.js';
export { AxonPublisher, type AxonPublisherOptions, type PublishOutcome } from './axon-publisher.js';
export { MetagraphSync, type MetagraphSyncOptions } from './metagraph-sync.js';
export { stakeReaderFor, type StakeReader } from './stake-reader.js';
export { SUBTENSOR_SIGNED_EXTENSIONS } from './signed-extensions.js';
