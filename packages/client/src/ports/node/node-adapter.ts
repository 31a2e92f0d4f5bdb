export { createNodeClient, type NodeClientOptions } from './create.js';
export { NodeTransport, type NodeTransportOptions } from './transport.js';
export { NodeStorage } from './storage.js';
export { NodeHasher } from './hasher.js';
export { systemClock } from './clock.js';
export { nodeBrotliDecoder } from './brotli.js';
export { nodeSignatureBackend } from './signature-backend.js';
export { retryingFetch, isConnectionReset, type RetryingFetchOptions } from './retrying-fetch.js';
