export * from './apps.js';
export * from './auth.js';
export * from './releases.js';
export * from './repository.js';
export * from './transparency-log.js';
export * from './audit-anchor.js';
export { checkTrust, type TrustInput, type CheckedTrust } from './trust-check.js';
export { checkPublish, type PublishRequest, type CheckedPublish } from './publish-check.js';
export { resignExpiring, type OnlineKeys } from './online-signing.js';

import type { AppsService } from './apps.js';
import type { AuthService } from './auth.js';
import type { ReleasesService } from './releases.js';
import type { RepositoryService } from './repository.js';
import type { TransparencyLogService } from './transparency-log.js';

/** What the routes call. */
export interface Services {
  apps: AppsService;
  auth: AuthService;
  releases: ReleasesService;
  repository: RepositoryService;
  log: TransparencyLogService;
}
