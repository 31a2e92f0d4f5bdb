import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { codepushApi, codepushDeviceApi, ErrorCode } from '@updraft/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IMMUTABLE } from '../repository-routes.js';
import { etagFor, notModified } from '../http-cache.js';
import type { BlobStore } from '../../blobs/blobs.js';
import { sendFileStream, takeDownloadSlot, type DownloadSlots } from '../download-slots.js';
import { actorOf } from '../access-hooks.js';
import { ACCESS } from '../route-schemas.js';
import {
  CODEPUSH_DOWNLOAD_PREFIX,
  type StatusReport,
  type UpdateCheckQuery,
  type UpdateInfo,
} from '../../domain/codepush/codepush-acquisition.js';
import type { CodePushServices } from '../../domain/codepush/codepush-services.js';

type UpdateCheckAnswer = codepushDeviceApi.UpdateCheckAnswer;
type LegacyUpdateCheckAnswer = codepushDeviceApi.LegacyUpdateCheckAnswer;

/** Snake-case keys, as the reference server's convertObjectToSnakeCase. */
const snake = (info: UpdateInfo): UpdateCheckAnswer['update_info'] => ({
  download_url: info.downloadUrl,
  description: info.description,
  is_available: info.isAvailable,
  is_mandatory: info.isMandatory,
  app_version: info.appVersion,
  target_binary_range: info.targetBinaryRange,
  package_hash: info.packageHash,
  label: info.label,
  package_size: info.packageSize,
  update_app_version: info.updateAppVersion,
  should_run_binary_version: info.shouldRunBinaryVersion,
  is_disabled: info.isDisabled,
});

/** What the legacy API (react-native-code-push ≤ 5.6) reads. */
const legacy = (info: UpdateInfo): LegacyUpdateCheckAnswer['updateInfo'] => ({
  downloadURL: info.downloadUrl,
  description: info.description,
  isAvailable: info.isAvailable,
  isMandatory: info.isMandatory,
  appVersion: info.targetBinaryRange,
  packageHash: info.packageHash,
  label: info.label,
  packageSize: info.packageSize,
  updateAppVersion: info.updateAppVersion,
  shouldRunBinaryVersion: info.shouldRunBinaryVersion,
});

const baseUrl = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

/** A status report of either API, with the names of the current one; empty fields are absent. */
function statusReport(fields: Omit<StatusReport, 'source'>, source: string): StatusReport {
  const report: StatusReport = { deploymentKey: fields.deploymentKey };
  if (fields.appVersion) report.appVersion = fields.appVersion;
  if (fields.clientUniqueId) report.clientUniqueId = fields.clientUniqueId;
  if (fields.label) report.label = fields.label;
  if (fields.status) report.status = fields.status;
  report.source = source;
  return report;
}

/**
 * The CodePush front door for react-native-code-push devices (no API key: the deployment key
 * names the deployment). Current API (snake_case, /v0.1/public/codepush/…) and the legacy one
 * (camelCase, /updateCheck, /reportStatus/…), plus the package downloads. The answers' shapes
 * are the contract's (@updraft/api codepush-device), exact to the byte.
 *
 * Per-request cost, unauthenticated: a download is one ownership lookup and the zip streamed
 * with its Content-Length (never encoded, never read whole). An update check or status report
 * reads every label of the deployment's channel and platform, and an update check also one
 * release row per label: O(labels published there) queries per request, growing with the
 * history, not bounded by the request (a cache keyed by the newest label would bound it).
 */
export const codePushDeviceRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  Options: { codepush: CodePushServices; blobs: BlobStore; downloads: DownloadSlots };
}> = async (app, { codepush, blobs, downloads }) => {
  app.get(
    '/v0.1/public/codepush/update_check',
    { schema: { tags: ['codepush'], summary: 'CodePush update check', ...codepushDeviceApi.updateCheck } },
    async (request) => ({
      update_info: snake(await codepush.acquisition.updateCheck(request.query, baseUrl(request))),
    }),
  );

  app.get(
    '/updateCheck',
    {
      schema: {
        tags: ['codepush'],
        summary: 'CodePush update check (legacy API of react-native-code-push ≤ 5.6)',
        ...codepushDeviceApi.legacyUpdateCheck,
      },
    },
    async (request) => {
      const q = request.query;
      const query: UpdateCheckQuery = { deployment_key: q.deploymentKey, app_version: q.appVersion };
      if (q.packageHash) query.package_hash = q.packageHash;
      if (q.isCompanion) query.is_companion = q.isCompanion;
      if (q.label) query.label = q.label;
      if (q.clientUniqueId) query.client_unique_id = q.clientUniqueId;
      return { updateInfo: legacy(await codepush.acquisition.updateCheck(query, baseUrl(request))) };
    },
  );

  for (const kind of ['deploy', 'download'] as const) {
    const options = { bodyLimit: 16 * 1024, schema: { tags: ['codepush'], summary: `CodePush ${kind} status report` } };
    app.post(
      `/v0.1/public/codepush/report_status/${kind}`,
      { ...options, schema: { ...options.schema, ...codepushDeviceApi.reportStatus } },
      async (request, reply) => {
        const b = request.body;
        const fields = {
          deploymentKey: b.deployment_key,
          appVersion: b.app_version,
          clientUniqueId: b.client_unique_id,
        };
        await codepush.acquisition.report(
          kind,
          statusReport({ ...fields, label: b.label, status: b.status }, request.ip),
        );
        return reply.code(200).send({});
      },
    );
    app.post(
      `/reportStatus/${kind}`,
      {
        ...options,
        schema: {
          ...options.schema,
          summary: `${options.schema.summary} (legacy API)`,
          ...codepushDeviceApi.legacyReportStatus,
        },
      },
      async (request, reply) => {
        const b = request.body;
        const fields = { deploymentKey: b.deploymentKey, appVersion: b.appVersion, clientUniqueId: b.clientUniqueId };
        await codepush.acquisition.report(
          kind,
          statusReport({ ...fields, label: b.label, status: b.status }, request.ip),
        );
        return reply.code(200).send({});
      },
    );
  }

  app.get(
    `${CODEPUSH_DOWNLOAD_PREFIX}/:appId/:zip`,
    {
      schema: {
        tags: ['codepush'],
        summary: 'A CodePush package or diff package (zip), by its SHA-256',
        ...codepushDeviceApi.download,
      },
    },
    async (request, reply) =>
      sendZip(request, reply, request.params.appId, request.params.zip.slice(0, 64), { codepush, blobs, downloads }),
  );
};

async function sendZip(
  request: FastifyRequest,
  reply: FastifyReply,
  appId: string,
  hash: string,
  deps: { codepush: CodePushServices; blobs: BlobStore; downloads: DownloadSlots },
) {
  const missing = { error: { code: ErrorCode.notFound, message: 'no such CodePush package on this server' } };
  if (!(await deps.codepush.acquisition.hasZip(appId, hash))) return reply.code(404).send(missing);
  void reply.header('etag', etagFor(hash)).header('cache-control', IMMUTABLE);
  if (notModified(request.headers['if-none-match'], hash)) return reply.code(304).send();
  if (await takeDownloadSlot(deps.downloads, request, reply)) return reply;
  const opened = await deps.blobs.createReadStream(hash);
  if (!opened) return reply.code(404).send(missing);
  // Android compares the bytes it read with Content-Length: always send it, never an encoding.
  void reply.type('application/zip').header('content-length', opened.length);
  return sendFileStream(deps.downloads, request, reply, opened.stream);
}

/** Admin routes under /v1 (access checked by the admin plugin's hooks). */
export const codePushAdminRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  Options: { codepush: CodePushServices };
}> = async (app, { codepush }) => {
  app.post(
    '/apps/:appId/codepush/deployments',
    {
      config: { access: ACCESS.channelCreate },
      schema: {
        tags: ['codepush'],
        summary: 'Add a CodePush deployment: a view of one channel and platform under a deployment key',
        ...codepushApi.addDeployment,
      },
    },
    async (request, reply) =>
      reply.code(201).send(await codepush.admin.addDeployment(actorOf(request), request.params.appId, request.body)),
  );

  app.get(
    '/apps/:appId/codepush/deployments',
    {
      config: { access: ACCESS.publishRead },
      schema: { tags: ['codepush'], summary: 'The CodePush deployments of an app', ...codepushApi.listDeployments },
    },
    async (request) => ({ deployments: await codepush.admin.listDeployments(request.params.appId) }),
  );

  app.delete(
    '/apps/:appId/codepush/deployments/:name',
    {
      config: { access: ACCESS.channelCreate },
      schema: { tags: ['codepush'], summary: 'Remove a CodePush deployment', ...codepushApi.removeDeployment },
    },
    async (request) => codepush.admin.removeDeployment(actorOf(request), request.params.appId, request.params.name),
  );

  app.put(
    '/apps/:appId/codepush/packages/:releaseId',
    {
      config: { access: ACCESS.publish },
      schema: {
        tags: ['codepush'],
        summary: 'Make the CodePush package of a published release (hash and offline signature from the publisher)',
        ...codepushApi.registerPackage,
      },
    },
    async (request) =>
      codepush.admin.registerPackage(actorOf(request), request.params.appId, request.params.releaseId, request.body),
  );

  app.get(
    '/apps/:appId/codepush/packages/:releaseId',
    {
      config: { access: ACCESS.publishRead },
      schema: { tags: ['codepush'], summary: 'The CodePush package of a release', ...codepushApi.getPackage },
    },
    async (request) => codepush.admin.getPackage(request.params.appId, request.params.releaseId),
  );
};
