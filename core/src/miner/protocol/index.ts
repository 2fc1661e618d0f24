export * from './version.js';
export * from './body-hash.js';
export * from './signature-message.js';
export * from './synapse.js';
export * from './headers.js';
export * from './json.js';
