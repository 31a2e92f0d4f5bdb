import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import * as access from './access.js';
import * as apps from './apps.js';
import * as audit from './audit.js';
import * as blobUpload from './blob-upload.js';
import * as channels from './channels.js';
import * as codepush from './codepush.js';
import * as expo from './expo.js';
import * as insight from './insight.js';
import * as releaseOps from './release-ops.js';
import * as releases from './releases.js';
import * as sourcemaps from './sourcemaps.js';
import * as transparencyLog from './transparency-log.js';
import * as trust from './trust.js';

/**
 * The admin routes of the typed client, keyed by `METHOD path` as the server registers them.
 * Each names the schemas the server validates with, so a call's input and answer are the
 * types derived from them.
 */
export const ADMIN_ROUTES = {
  'POST /v1/apps': apps.createApp,
  'GET /v1/apps': apps.listApps,
  'GET /v1/apps/:appId': apps.getApp,
  'PUT /v1/apps/:appId/trust': apps.uploadTrust,
  'GET /v1/apps/:appId/channels': channels.listChannels,
  'POST /v1/apps/:appId/channels': channels.createChannel,
  'PUT /v1/apps/:appId/channels/:channel/protection': channels.protectChannel,
  'PUT /v1/apps/:appId/embedded/:platform/:runtimeVersion': releases.registerEmbedded,
  'GET /v1/apps/:appId/embedded/:platform/:runtimeVersion': releases.getEmbedded,
  'POST /v1/apps/:appId/blobs/missing': releases.missingBlobs,
  'PUT /v1/apps/:appId/blobs/:sha256': blobUpload.uploadBlob,
  'GET /v1/apps/:appId/releases-metadata': releases.releasesMetadata,
  'GET /v1/apps/:appId/releases-in-use': releases.releasesInUse,
  'POST /v1/apps/:appId/releases': releases.publish,
  'GET /v1/apps/:appId/releases': releases.listReleases,
  'GET /v1/apps/:appId/releases/:releaseId': releaseOps.showRelease,
  'PATCH /v1/apps/:appId/releases/:releaseId': releaseOps.setNotes,
  'POST /v1/apps/:appId/releases/:releaseId/promote': releaseOps.promote,
  'POST /v1/apps/:appId/releases/:releaseId/rollout': releaseOps.rollout,
  'POST /v1/apps/:appId/releases/:releaseId/halt': releaseOps.halt,
  'POST /v1/apps/:appId/releases/:releaseId/resume': releaseOps.resume,
  'POST /v1/apps/:appId/releases/:releaseId/disable': releaseOps.disable,
  'PUT /v1/apps/:appId/releases/:releaseId/sourcemaps/:name': sourcemaps.uploadSourcemap,
  'GET /v1/apps/:appId/releases/:releaseId/sourcemaps': sourcemaps.listSourcemaps,
  'GET /v1/apps/:appId/releases/:releaseId/sourcemaps/:name': sourcemaps.downloadSourcemap,
  'POST /v1/apps/:appId/online-keys': trust.createOnlineKey,
  'POST /v1/apps/:appId/metadata': trust.uploadMetadata,
  'GET /v1/apps/:appId/expiry': trust.getExpiry,
  'PUT /v1/apps/:appId/expiry': trust.setExpiry,
  'POST /v1/apps/:appId/resign': trust.resign,
  'GET /v1/apps/:appId/log': transparencyLog.logIdentity,
  'POST /v1/apps/:appId/log/cosignatures': transparencyLog.addCosignatures,
  'POST /v1/apps/:appId/codepush/deployments': codepush.addDeployment,
  'GET /v1/apps/:appId/codepush/deployments': codepush.listDeployments,
  'DELETE /v1/apps/:appId/codepush/deployments/:name': codepush.removeDeployment,
  'PUT /v1/apps/:appId/codepush/packages/:releaseId': codepush.registerPackage,
  'GET /v1/apps/:appId/codepush/packages/:releaseId': codepush.getPackage,
  'GET /v1/apps/:appId/expo': expo.getStatus,
  'PUT /v1/apps/:appId/expo/updates/:releaseId': expo.registerUpdate,
  'GET /v1/apps/:appId/expo/updates/:releaseId': expo.getUpdate,
  'POST /v1/apps/:appId/expo/rollbacks': expo.rollBackToEmbedded,
  'POST /v1/keys': access.createKey,
  'GET /v1/keys': access.listKeys,
  'DELETE /v1/keys/:keyId': access.revokeKey,
  'GET /v1/org': access.getOrganization,
  'POST /v1/orgs': access.createOrganization,
  'GET /v1/me': access.getMe,
  'POST /v1/users': access.createUser,
  'GET /v1/users': access.listUsers,
  'DELETE /v1/users/:userId': access.disableUser,
  'GET /v1/audit': audit.listAudit,
  'GET /v1/audit/verify': audit.verifyAudit,
  'GET /v1/audit/anchor-status': audit.getAnchorStatus,
  'GET /v1/audit/webhook': audit.getAuditWebhook,
  'PUT /v1/audit/webhook': audit.setAuditWebhook,
  'GET /v1/audit/webhook/deliveries': audit.listAuditWebhookDeliveries,
  'GET /v1/apps/:appId/releases/:releaseId/insight': insight.getReleaseInsight,
  'GET /v1/apps/:appId/releases/:releaseId/guardrail': insight.getGuardrailHealth,
  'GET /v1/apps/:appId/guardrails': insight.listGuardrails,
  'PUT /v1/apps/:appId/channels/:channel/guardrail': insight.setGuardrail,
  'GET /v1/apps/:appId/webhooks/deliveries': insight.listGuardrailWebhookDeliveries,
  'POST /v1/apps/:appId/ingest-keys': insight.createIngestKey,
  'GET /v1/apps/:appId/ingest-keys': insight.listIngestKeys,
  'DELETE /v1/apps/:appId/ingest-keys/:keyId': insight.revokeIngestKey,
  'POST /auth/session': access.signIn,
  'DELETE /auth/session': access.signOut,
} as const;

export type AdminRoute = keyof typeof ADMIN_ROUTES;

type From<S> = S extends JSONSchema ? FromSchema<S> : never;
type SuccessStatus = 200 | 201 | 202;
/** A response declared by its media type (rawResponse) is bytes; any other is the JSON its schema types. */
type Answer<S> = S extends { content: object } ? Uint8Array : From<S>;

/** What a call of `route` sends: its path parameters, query and body, as the server's schemas type them. */
export type RouteInput<R extends AdminRoute> = (typeof ADMIN_ROUTES)[R] extends infer S
  ? (S extends { params: infer P } ? { params: From<P> } : { params?: undefined }) &
      (S extends { querystring: infer Q } ? { query?: From<Q> } : { query?: undefined }) &
      (S extends { body: infer B } ? { body: From<B> } : { body?: undefined })
  : never;

/** The answer of `route` on success (any of its 2xx statuses): its JSON, or its bytes for a raw response. */
export type RouteResponse<R extends AdminRoute> = (typeof ADMIN_ROUTES)[R] extends { response: infer Res }
  ? { [K in keyof Res]: K extends SuccessStatus ? Answer<Res[K]> : never }[keyof Res]
  : never;

/** The request line of `route` with `params` filled in and `query` appended. */
export function routeTarget(
  route: AdminRoute,
  input: { params?: object; query?: object },
): {
  method: string;
  path: string;
} {
  const space = route.indexOf(' ');
  const params = (input.params ?? {}) as Record<string, string>;
  const path = route.slice(space + 1).replace(/:([A-Za-z][A-Za-z0-9]*)/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${route}: no value for :${name}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined) query.set(k, String(v));
  const q = query.toString();
  return { method: route.slice(0, space), path: q ? `${path}?${q}` : path };
}
