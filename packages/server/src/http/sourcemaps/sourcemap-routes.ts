import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { ACCESS, identifier, noQuery, releaseParams, sha256 } from '../route-schemas.js';
import type { SourcemapService } from '../../domain/sourcemaps/sourcemap-service.js';

/** A file name, not a path: what Metro and hermesc call a map (index.android.bundle.map). */
const mapName = { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]{0,123}\\.map$' } as const;

const mapParams = {
  type: 'object',
  required: ['appId', 'releaseId', 'name'],
  properties: { appId: identifier, releaseId: identifier, name: mapName },
  additionalProperties: false,
} as const;

type Params = { appId: string; releaseId: string };

/**
 * Source maps beside releases, under /v1 (access checked by the admin plugin's hooks): a
 * publish key uploads, a read key downloads. No device route serves them.
 */
export const sourcemapRoutes: FastifyPluginAsync<{ sourcemaps: SourcemapService }> = async (app, { sourcemaps }) => {
  // Raw streams for the upload (this plugin's encapsulation), as for release files.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.put<{ Params: Params & { name: string }; Querystring: { sha256: string }; Body: IncomingMessage | undefined }>(
    '/apps/:appId/releases/:releaseId/sourcemaps/:name',
    {
      config: { access: ACCESS.publish },
      schema: {
        tags: ['releases'],
        summary: 'Keep a source map beside a release (raw bytes); never served to devices',
        params: mapParams,
        querystring: {
          type: 'object',
          required: ['sha256'],
          properties: { sha256 },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const header = request.headers['content-length'];
      const declared = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
      const { appId, releaseId, name } = request.params;
      const stored = await sourcemaps.upload(
        appId,
        releaseId,
        name,
        request.query.sha256,
        request.body ?? new Uint8Array(0),
        declared,
      );
      return reply.code(201).send(stored);
    },
  );

  app.get<{ Params: Params }>(
    '/apps/:appId/releases/:releaseId/sourcemaps',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['releases'],
        summary: "The release's source maps: name, SHA-256, length",
        params: releaseParams,
        querystring: noQuery,
      },
    },
    async (request) => sourcemaps.list(request.params.appId, request.params.releaseId),
  );

  app.get<{ Params: Params & { name: string } }>(
    '/apps/:appId/releases/:releaseId/sourcemaps/:name',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['releases'],
        summary: 'One source map, the bytes as uploaded',
        params: mapParams,
        querystring: noQuery,
      },
    },
    async (request, reply) => {
      const { appId, releaseId, name } = request.params;
      const opened = await sourcemaps.open(appId, releaseId, name);
      return reply
        .type('application/json')
        .header('content-length', opened.length)
        .header('cache-control', 'private, no-store')
        .header('x-updraft-sha256', opened.map.sha256)
        .send(opened.stream);
    },
  );
};
