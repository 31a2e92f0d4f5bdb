export * from './apps-service.js';
export * from './auth-service.js';
export * from './releases-service.js';
export * from './repository-service.js';
export * from './transparency-log-service.js';
export * from './audit-anchor-service.js';
export * from './access.js';
export * from './api-keys-service.js';
export * from './audit-service.js';
export * from './channels-service.js';
export * from './release-ops-service.js';
export * from './schedules.js';
export * from './resolve-service.js';
export * from './signed-targets.js';
export * from './trust-update-service.js';
export * from './expiry-service.js';
export { checkTrust, type TrustInput, type CheckedTrust } from './trust-check.js';
export { checkPublish, type PublishRequest, type CheckedPublish } from './publish-check.js';
export {
  resignExpiring,
  resignOnlineRolesIn,
  expiryPolicyOf,
  type OnlineKeys,
  type OnResigned,
} from './online-signing.js';

import type { AppsService } from './apps-service.js';
import type { AuthService } from './auth-service.js';
import type { ReleasesService } from './releases-service.js';
import type { RepositoryService } from './repository-service.js';
import type { TransparencyLogService } from './transparency-log-service.js';
import type { ApiKeysService } from './api-keys-service.js';
import type { AuditService } from './audit-service.js';
import type { ChannelsService } from './channels-service.js';
import type { ReleaseOpsService } from './release-ops-service.js';
import type { ResolveService } from './resolve-service.js';
import type { TrustService } from './trust-update-service.js';
import type { ExpiryService } from './expiry-service.js';
import type { IngestService } from './ingest-service.js';
import type { InsightService } from './insight-service.js';
import type { GuardrailService } from './guardrails-service.js';
import type { UsersService } from './users-service.js';
import type { CodePushServices } from './codepush/codepush-services.js';
import type { ExpoServices } from './expo/expo-services.js';
import type { SourcemapService } from './sourcemaps/sourcemap-service.js';
import type { WebhookQueue } from './webhook.js';

/** What the routes call. */
export interface Services {
  /** CodePush compatibility (domain/codepush/). */
  codepush: CodePushServices;
  /** Expo Updates compatibility (domain/expo/). */
  expo: ExpoServices;
  /** Source maps beside releases (domain/sourcemaps/). */
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
export * from './ingest-service.js';
export * from './insight-service.js';
export * from './guardrails-service.js';
export * from './users-service.js';
export * from './webhook.js';
export * from './blob-scrub.js';
export * from './outbound.js';
export * from './source-sketch.js';
export * from './audit-departure.js';
