export * from './metadata-store.js';
export { KyselyMetadataStore } from './kysely-store.js';
export { openSqliteStore } from './sqlite.js';
export { openPostgresStore, isPostgresUrl, redactDatabaseUrl } from './postgres.js';
export { openMetadataStore } from './open.js';
export type { Database } from './schema.js';
export * from './log-store.js';
export * from './control-plane-store.js';
export { KyselyControlPlaneStore } from './kysely-control-plane.js';
