export * from './tuf/index.js';
export * from './server.js';
export * from './api-error.js';
export * from './store/index.js';
export * from './blobs/index.js';
export * from './services/index.js';
export type { ErrorBody } from './routes/errors.js';
