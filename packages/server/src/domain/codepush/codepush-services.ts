import type { CodePushAcquisitionService } from './codepush-acquisition.js';
import type { CodePushAdminService } from './codepush-packages.js';

/** The CodePush services the server's service container holds (routes reach them through it). */
export interface CodePushServices {
  admin: CodePushAdminService;
  acquisition: CodePushAcquisitionService;
}
