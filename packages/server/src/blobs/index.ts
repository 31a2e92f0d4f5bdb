export * from './blob-store.js';
export { FolderBlobStore } from './folder-blob-store.js';
