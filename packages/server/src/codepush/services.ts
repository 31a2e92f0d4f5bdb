import type { CodePushAcquisitionService } from './acquisition.js';
import type { CodePushAdminService } from './packages.js';

/** The CodePush services the server's service container holds (routes reach them through it). */
export interface CodePushServices {
  admin: CodePushAdminService;
  acquisition: CodePushAcquisitionService;
}
