export * from './tuf/index.js';
export * from './server.js';
export * from './api-error.js';
export * from './store/index.js';
export * from './blobs/index.js';
export * from './services/index.js';
export * from './jobs/index.js';
export type { ErrorBody } from './routes/errors.js';
export * from './export/index.js';
