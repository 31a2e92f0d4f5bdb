import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyReply } from 'fastify';
import { sourcemapsApi } from '@updraft/api';
import { actorOf } from '../access-hooks.js';
import { ACCESS } from '../route-schemas.js';
import type { SourcemapService } from '../../domain/sourcemaps/sourcemap-service.js';

/**
 * Source maps beside releases, under /v1 (access checked by the admin plugin's hooks): a
 * publish key uploads, a read key downloads. No device route serves them.
 */
export const sourcemapRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { sourcemaps: SourcemapService } }> = async (
  app,
  { sourcemaps },
) => {
  // Raw streams for the upload (this plugin's encapsulation), as for release files.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.put(
    '/apps/:appId/releases/:releaseId/sourcemaps/:name',
    {
      config: { access: ACCESS.publish },
      schema: {
        tags: ['releases'],
        summary: 'Keep a source map beside a release (raw bytes); never served to devices',
        ...sourcemapsApi.uploadSourcemap,
      },
    },
    async (request, reply) => {
      const header = request.headers['content-length'];
      const declared = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
      const { appId, releaseId, name } = request.params;
      const stored = await sourcemaps.upload(
        actorOf(request),
        appId,
        releaseId,
        name,
        request.query.sha256,
        // The '*' parser above hands over the request stream itself (the body has no schema).
        (request.body as IncomingMessage | undefined) ?? new Uint8Array(0),
        declared,
      );
      return reply.code(201).send(stored);
    },
  );

  app.get(
    '/apps/:appId/releases/:releaseId/sourcemaps',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['releases'],
        summary: "The release's source maps: name, SHA-256, length",
        ...sourcemapsApi.listSourcemaps,
      },
    },
    async (request) => sourcemaps.list(request.params.appId, request.params.releaseId),
  );

  app.get(
    '/apps/:appId/releases/:releaseId/sourcemaps/:name',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['releases'],
        summary: 'One source map, the bytes as uploaded',
        ...sourcemapsApi.downloadSourcemap,
      },
    },
    async (request, reply) => {
      const { appId, releaseId, name } = request.params;
      const opened = await sourcemaps.open(appId, releaseId, name);
      // The declared 200 is raw bytes (a string to the type provider); the stream is sent as is.
      const raw: FastifyReply = reply;
      return raw
        .type('application/json')
        .header('content-length', opened.length)
        .header('cache-control', 'private, no-store')
        .header('x-updraft-sha256', opened.map.sha256)
        .send(opened.stream);
    },
  );
};
