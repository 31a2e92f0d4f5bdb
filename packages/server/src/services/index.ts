export * from './apps.js';
export * from './auth.js';
export * from './releases.js';
export * from './repository.js';
export * from './transparency-log.js';
export * from './audit-anchor.js';
export * from './access.js';
export * from './api-keys.js';
export * from './audit.js';
export * from './channels.js';
export * from './release-ops.js';
export * from './schedules.js';
export * from './resolve.js';
export * from './signed-targets.js';
export * from './trust-update.js';
export * from './expiry.js';
export { checkTrust, type TrustInput, type CheckedTrust } from './trust-check.js';
export { checkPublish, type PublishRequest, type CheckedPublish } from './publish-check.js';
export {
  resignExpiring,
  resignOnlineRolesIn,
  expiryPolicyOf,
  type OnlineKeys,
  type OnResigned,
} from './online-signing.js';

import type { AppsService } from './apps.js';
import type { AuthService } from './auth.js';
import type { ReleasesService } from './releases.js';
import type { RepositoryService } from './repository.js';
import type { TransparencyLogService } from './transparency-log.js';
import type { ApiKeysService } from './api-keys.js';
import type { AuditService } from './audit.js';
import type { ChannelsService } from './channels.js';
import type { ReleaseOpsService } from './release-ops.js';
import type { ResolveService } from './resolve.js';
import type { TrustService } from './trust-update.js';
import type { ExpiryService } from './expiry.js';
import type { IngestService } from './ingest.js';
import type { InsightService } from './insight.js';
import type { GuardrailService } from './guardrails.js';
import type { UsersService } from './users.js';
import type { CodePushServices } from '../codepush/services.js';
import type { ExpoServices } from '../expo/services.js';
import type { SourcemapService } from '../sourcemaps/service.js';
import type { WebhookQueue } from './webhook.js';

/** What the routes call. */
export interface Services {
  /** CodePush compatibility (codepush/). */
  codepush: CodePushServices;
  /** Expo Updates compatibility (expo/). */
  expo: ExpoServices;
  /** Source maps beside releases (sourcemaps/). */
  sourcemaps: SourcemapService;
  apps: AppsService;
  auth: AuthService;
  releases: ReleasesService;
  repository: RepositoryService;
  transparencyLog: TransparencyLogService;
  apiKeys: ApiKeysService;
  audit: AuditService;
  channels: ChannelsService;
  releaseOps: ReleaseOpsService;
  resolve: ResolveService;
  trust: TrustService;
  expiry: ExpiryService;
  ingest: IngestService;
  insight: InsightService;
  guardrails: GuardrailService;
  users: UsersService;
  /** Outbound webhooks: enqueueWebhook(store, …) adds one, the webhook job delivers it. */
  webhooks: WebhookQueue;
}
export * from './ingest.js';
export * from './insight.js';
export * from './guardrails.js';
export * from './users.js';
export * from './webhook.js';
export * from './blob-scrub.js';
export * from './outbound.js';
export * from './source-sketch.js';
export * from './audit-departure.js';
