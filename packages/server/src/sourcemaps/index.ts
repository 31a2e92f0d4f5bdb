export { SourcemapService, type SourcemapView } from './service.js';
export { sourcemapRoutes } from './routes.js';
export type { ReleaseSourcemap, SourcemapStore } from './store.js';
