import type { CodePushAcquisitionService } from './acquisition.js';
import type { CodePushAdminService } from './packages.js';

export { CodePushAcquisitionService } from './acquisition.js';
export { CodePushAdminService } from './packages.js';
export { codePushAdminRoutes, codePushDeviceRoutes } from './routes.js';
export type { CodePushStore } from './store.js';

export interface CodePushServices {
  admin: CodePushAdminService;
  acquisition: CodePushAcquisitionService;
}
