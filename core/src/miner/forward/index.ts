export { createRemoteBackend, RemoteBackendError, type RemoteBackendOptions } from './remote-backend.js';
export { forwardTextCompress } from './text-compress.js';
export { forwardMetadata } from './metadata.js';
