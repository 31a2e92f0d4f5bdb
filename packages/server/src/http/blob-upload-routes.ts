import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { blobUploadApi } from '@updraft/api';
import type { Services } from '../domain/services.js';
import { ACCESS, adminRoute } from './route-schemas.js';

/**
 * `PUT /apps/:appId/blobs/:sha256` in its own plugin: here every content type is a raw
 * stream handed to the blob store, which hashes and writes it as it arrives, so a 100 MB
 * file never sits in memory. The encapsulation keeps JSON parsing for all other routes.
 */
export const blobUploadRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  Options: { services: Services; maxFileBytes: number };
}> = async (app, opts) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.put(
    '/apps/:appId/blobs/:sha256',
    adminRoute(
      ACCESS.publish,
      'publish',
      'Upload one release file (raw bytes); the server checks its SHA-256',
      blobUploadApi.uploadBlob,
    ),
    async (request, reply) => {
      const header = request.headers['content-length'];
      const declared = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
      // No body at all is the empty file, which is a valid (if rare) release file.
      // The '*' parser above hands over the request stream itself (the body has no schema).
      const body = (request.body as IncomingMessage | undefined) ?? new Uint8Array(0);
      const stored = await opts.services.releases.uploadBlob(
        request.params.appId,
        request.params.sha256,
        body,
        declared,
      );
      return reply.code(201).send(stored);
    },
  );
};
