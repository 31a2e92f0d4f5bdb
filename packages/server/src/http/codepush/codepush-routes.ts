import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { codepushApi } from '@updraft/api';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { IMMUTABLE } from '../repository-routes.js';
import { etagFor, notModified } from '../http-cache.js';
import type { BlobStore } from '../../blobs/blobs.js';
import { sendFileStream, takeDownloadSlot, type DownloadSlots } from '../download-slots.js';
import { actorOf } from '../access-hooks.js';
import { ACCESS, identifier } from '../route-schemas.js';
import {
  CODEPUSH_DOWNLOAD_PREFIX,
  type StatusReport,
  type UpdateCheckQuery,
  type UpdateInfo,
} from '../../domain/codepush/codepush-acquisition.js';
import type { CodePushServices } from '../../domain/codepush/codepush-services.js';

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const optional = (max: number) => ({ type: 'string', maxLength: max }) as const;
const KEY = text(128);
const APP_VERSION = text(64);

/** Snake-case keys, as the reference server's convertObjectToSnakeCase. */
const snake = (info: UpdateInfo) =>
  Object.fromEntries(Object.entries(info).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));

/** What the legacy API (react-native-code-push ≤ 5.6) reads. */
const legacy = (info: UpdateInfo) => ({
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

/**
 * The CodePush front door for react-native-code-push devices (no API key: the deployment key
 * names the deployment). Current API (snake_case, /v0.1/public/codepush/…) and the legacy one
 * (camelCase, /updateCheck, /reportStatus/…), plus the package downloads.
 *
 * Per-request cost, unauthenticated: a download is one ownership lookup and the zip streamed
 * with its Content-Length (never encoded, never read whole). An update check or status report
 * reads every label of the deployment's channel and platform, and an update check also one
 * release row per label: O(labels published there) queries per request, growing with the
 * history, not bounded by the request (a cache keyed by the newest label would bound it).
 */
export const codePushDeviceRoutes: FastifyPluginAsync<{
  codepush: CodePushServices;
  blobs: BlobStore;
  downloads: DownloadSlots;
}> = async (app, { codepush, blobs, downloads }) => {
  const check = { tags: ['codepush'], summary: 'CodePush update check' };
  app.get<{ Querystring: UpdateCheckQuery }>(
    '/v0.1/public/codepush/update_check',
    {
      schema: {
        ...check,
        querystring: {
          type: 'object',
          required: ['deployment_key', 'app_version'],
          properties: {
            deployment_key: KEY,
            app_version: APP_VERSION,
            package_hash: optional(128),
            is_companion: optional(8),
            label: optional(64),
            client_unique_id: optional(256),
          },
        },
      },
    },
    async (request) => ({
      update_info: snake(await codepush.acquisition.updateCheck(request.query, baseUrl(request))),
    }),
  );

  app.get<{
    Querystring: {
      deploymentKey: string;
      appVersion: string;
      packageHash?: string;
      isCompanion?: string;
      label?: string;
      clientUniqueId?: string;
    };
  }>(
    '/updateCheck',
    {
      schema: {
        ...check,
        summary: 'CodePush update check (legacy API of react-native-code-push ≤ 5.6)',
        querystring: {
          type: 'object',
          required: ['deploymentKey', 'appVersion'],
          properties: {
            deploymentKey: KEY,
            appVersion: APP_VERSION,
            packageHash: optional(128),
            isCompanion: optional(8),
            label: optional(64),
            clientUniqueId: optional(256),
          },
        },
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

  const reportBody = (names: { key: string; version: string; client: string }) =>
    ({
      type: 'object',
      required: [names.key],
      properties: {
        [names.key]: KEY,
        [names.version]: optional(64),
        [names.client]: optional(256),
        label: optional(64),
        status: optional(64),
      },
    }) as const;
  const snakeNames = { key: 'deployment_key', version: 'app_version', client: 'client_unique_id' };
  const camelNames = { key: 'deploymentKey', version: 'appVersion', client: 'clientUniqueId' };
  for (const kind of ['deploy', 'download'] as const) {
    for (const [path, names] of [
      [`/v0.1/public/codepush/report_status/${kind}`, snakeNames],
      [`/reportStatus/${kind}`, camelNames],
    ] as const) {
      app.post<{ Body: Record<string, string | undefined> }>(
        path,
        {
          bodyLimit: 16 * 1024,
          schema: { tags: ['codepush'], summary: `CodePush ${kind} status report`, body: reportBody(names) },
        },
        async (request, reply) => {
          const b = request.body;
          const report: StatusReport = { deploymentKey: b[names.key]! };
          if (b[names.version]) report.appVersion = b[names.version]!;
          if (b[names.client]) report.clientUniqueId = b[names.client]!;
          if (b['label']) report.label = b['label'];
          if (b['status']) report.status = b['status'];
          report.source = request.ip;
          await codepush.acquisition.report(kind, report);
          return reply.code(200).send({});
        },
      );
    }
  }

  app.get<{ Params: { appId: string; zip: string } }>(
    `${CODEPUSH_DOWNLOAD_PREFIX}/:appId/:zip`,
    {
      schema: {
        tags: ['codepush'],
        summary: 'A CodePush package or diff package (zip), by its SHA-256',
        params: {
          type: 'object',
          required: ['appId', 'zip'],
          properties: { appId: identifier, zip: { type: 'string', pattern: '^[0-9a-f]{64}\\.zip$' } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => sendZip(request, reply, codepush, blobs, downloads),
  );
};

async function sendZip(
  request: FastifyRequest<{ Params: { appId: string; zip: string } }>,
  reply: FastifyReply,
  codepush: CodePushServices,
  blobs: BlobStore,
  downloads: DownloadSlots,
) {
  const hash = request.params.zip.slice(0, 64);
  const missing = { error: { code: 'not-found', message: 'no such CodePush package on this server' } };
  if (!(await codepush.acquisition.hasZip(request.params.appId, hash))) return reply.code(404).send(missing);
  void reply.header('etag', etagFor(hash)).header('cache-control', IMMUTABLE);
  if (notModified(request.headers['if-none-match'], hash)) return reply.code(304).send();
  const busy = await takeDownloadSlot(downloads, request, reply);
  if (busy) return busy;
  const opened = await blobs.createReadStream(hash);
  if (!opened) return reply.code(404).send(missing);
  // Android compares the bytes it read with Content-Length: always send it, never an encoding.
  void reply.type('application/zip').header('content-length', opened.length);
  return sendFileStream(downloads, request, reply, opened.stream);
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
