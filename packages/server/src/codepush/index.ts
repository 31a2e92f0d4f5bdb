export { CodePushAcquisitionService } from './acquisition.js';
export { CodePushAdminService } from './packages.js';
export { codePushAdminRoutes, codePushDeviceRoutes } from './routes.js';
export type { CodePushStore } from './store.js';
export type { CodePushServices } from './services.js';
