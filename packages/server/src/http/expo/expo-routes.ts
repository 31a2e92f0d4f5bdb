import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  expoContentType,
  expoMultipart,
  expoSignatureHeader,
  isUpdraftError,
  parseExpoRequest,
  type ExpoPart,
  type ExpoRequest,
} from '@updraft/protocol';
import { badRequest } from '../../domain/api-error.js';
import { actorOf } from '../access-hooks.js';
import type { DownloadSlots } from '../download-slots.js';
import { BlobSender } from '../blob-sender.js';
import { ACCESS, appParams, identifier, noQuery } from '../route-schemas.js';
import type { RepositoryService } from '../../domain/repository-service.js';
import type { ExpoRollbackInput, ExpoUpdateInput } from '../../domain/expo/expo-admin.js';
import type { SignedBody } from '../../domain/expo/expo-device.js';
import type { ExpoServices } from '../../domain/expo/expo-services.js';

const ASSET_FILE = '^[0-9a-f]{64}\\.[A-Za-z0-9]{1,16}$';

const signatureOf = (s: SignedBody | { signature: string | null; keyId: string | null }) =>
  s.signature !== null && s.keyId !== null ? expoSignatureHeader(s.signature, s.keyId) : undefined;

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

/**
 * The Expo Updates front door for expo-updates clients (no API key: `updates.url` names the
 * app). The answer's bytes are the publisher's: manifests and directives are sent exactly as
 * stored, with the signatures made at publish time. Response headers are not signed (the
 * protocol signs none), and none are sent that a device acts on besides the protocol's own.
 */
export const expoDeviceRoutes: FastifyPluginAsync<{
  expo: ExpoServices;
  repository: RepositoryService;
  downloads: DownloadSlots;
}> = async (app, { expo, repository, downloads }) => {
  const assets = new BlobSender(repository, downloads);

  app.get<{ Params: { appId: string } }>(
    '/expo/:appId',
    {
      schema: {
        tags: ['expo'],
        summary: 'Expo Updates manifest request (protocol 0 and 1): a signed manifest, a signed directive, or 204',
        params: appParams,
      },
    },
    async (request, reply) => {
      let req: ExpoRequest;
      try {
        req = parseExpoRequest((name) => header(request, name));
      } catch (err) {
        if (isUpdraftError(err)) throw badRequest('invalid-request', err.message);
        throw err;
      }
      void reply
        .header('expo-protocol-version', String(req.protocolVersion))
        .header('expo-sfv-version', '0')
        .header('cache-control', 'private, max-age=0');
      if (!req.accepts.multipart && !req.accepts.json) {
        return reply.code(406).send({
          error: {
            code: 'not-acceptable',
            message: 'this server answers multipart/mixed, application/expo+json or application/json',
          },
        });
      }
      const answer = await expo.device.answer(request.params.appId, req);
      // Protocol 0, or a client that takes no multipart: the manifest alone, its signature a header.
      if (req.protocolVersion === 0 || !req.accepts.multipart) {
        if (answer.kind !== 'manifest') return reply.code(204).send();
        const sig = signatureOf(answer.update);
        if (sig) void reply.header('expo-signature', sig);
        return reply.type(req.accepts.json ? 'application/expo+json' : 'application/json').send(answer.update.manifest);
      }
      let part: ExpoPart;
      if (answer.kind === 'manifest') part = { name: 'manifest', body: answer.update.manifest };
      else if (answer.kind === 'directive' || answer.directive) {
        part = { name: 'directive', body: answer.directive!.body };
      } else {
        // Nothing signed to say: a 204, which the client accepts only with expo-protocol-version set.
        return reply.code(204).send();
      }
      const sig = signatureOf(answer.kind === 'manifest' ? answer.update : answer.directive!);
      if (sig) part.signature = sig;
      const boundary = `updraft-${randomBytes(16).toString('hex')}`;
      return sendMultipart(reply, [part], boundary);
    },
  );

  app.get<{ Params: { appId: string; file: string } }>(
    '/expo/:appId/assets/:file',
    {
      schema: {
        tags: ['expo'],
        summary: 'An asset or launch bundle of an Expo update, by SHA-256 (immutable)',
        params: {
          type: 'object',
          required: ['appId', 'file'],
          properties: { appId: identifier, file: { type: 'string', pattern: ASSET_FILE } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const { appId, file } = request.params;
      const sha256 = await repository.targetBlob(appId, file);
      if (!sha256) {
        return reply
          .code(404)
          .header('cache-control', 'no-store')
          .send({ error: { code: 'not-found', message: 'no such asset of this app on this server' } });
      }
      return assets.send(request, reply, appId, file, sha256, expoContentType(file.slice(65)));
    },
  );
};

function sendMultipart(reply: FastifyReply, parts: ExpoPart[], boundary: string) {
  return reply.type(`multipart/mixed; boundary=${boundary}`).send(Buffer.from(expoMultipart(parts, boundary), 'utf8'));
}

const signatureSchema = { type: ['string', 'null'], minLength: 1, maxLength: 2048 } as const;
const keyIdSchema = { type: ['string', 'null'], minLength: 1, maxLength: 64 } as const;

/** Admin routes under /v1 (access checked by the admin plugin's hooks). */
export const expoAdminRoutes: FastifyPluginAsync<{ expo: ExpoServices }> = async (app, { expo }) => {
  app.get<{ Params: { appId: string } }>(
    '/apps/:appId/expo',
    {
      config: { access: ACCESS.publishRead },
      schema: {
        tags: ['expo'],
        summary: 'Whether the app publishes signed Expo updates, and under which key ids',
        params: appParams,
        querystring: noQuery,
      },
    },
    async (request) => expo.admin.status(request.params.appId),
  );

  const releaseParams = {
    type: 'object',
    required: ['appId', 'releaseId'],
    properties: { appId: identifier, releaseId: identifier },
    additionalProperties: false,
  } as const;

  app.put<{ Params: { appId: string; releaseId: string }; Body: ExpoUpdateInput }>(
    '/apps/:appId/expo/updates/:releaseId',
    {
      config: { access: ACCESS.publish },
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags: ['expo'],
        summary: 'Store the Expo update of a published release: manifest bytes and offline signatures',
        params: releaseParams,
        body: {
          type: 'object',
          required: ['manifest', 'signature', 'keyId', 'noUpdateSignature'],
          properties: {
            manifest: { type: 'string', minLength: 2, maxLength: 8 * 1024 * 1024 },
            signature: signatureSchema,
            keyId: keyIdSchema,
            noUpdateSignature: signatureSchema,
          },
          additionalProperties: false,
        },
      },
    },
    async (request) =>
      expo.admin.registerUpdate(actorOf(request), request.params.appId, request.params.releaseId, request.body),
  );

  app.get<{ Params: { appId: string; releaseId: string } }>(
    '/apps/:appId/expo/updates/:releaseId',
    {
      config: { access: ACCESS.publishRead },
      schema: { tags: ['expo'], summary: 'The Expo update of a release', params: releaseParams, querystring: noQuery },
    },
    async (request) => expo.admin.getUpdate(request.params.appId, request.params.releaseId),
  );

  app.post<{ Params: { appId: string }; Body: ExpoRollbackInput }>(
    '/apps/:appId/expo/rollbacks',
    {
      config: { access: ACCESS.releaseOps },
      schema: {
        tags: ['expo'],
        summary: 'Serve a rollBackToEmbedded directive (signed by the publisher) on a channel, platform and runtime',
        params: appParams,
        body: {
          type: 'object',
          required: ['channel', 'platform', 'runtimeVersion', 'directive', 'signature', 'keyId'],
          properties: {
            channel: identifier,
            platform: { type: 'string', enum: ['ios', 'android'] },
            runtimeVersion: identifier,
            directive: { type: 'string', minLength: 2, maxLength: 1024 },
            signature: signatureSchema,
            keyId: keyIdSchema,
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await expo.admin.rollBackToEmbedded(actorOf(request), request.params.appId, request.body)),
  );
};
