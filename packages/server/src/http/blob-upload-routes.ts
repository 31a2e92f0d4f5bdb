import type { IncomingMessage } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../domain/services.js';
import { ACCESS, identifier, sha256 } from './route-schemas.js';

/**
 * `PUT /apps/:appId/blobs/:sha256` in its own plugin: here every content type is a raw
 * stream handed to the blob store, which hashes and writes it as it arrives, so a 100 MB
 * file never sits in memory. The encapsulation keeps JSON parsing for all other routes.
 */
export const blobUploadRoutes: FastifyPluginAsync<{ services: Services; maxFileBytes: number }> = async (app, opts) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  app.put<{ Params: { appId: string; sha256: string }; Body: IncomingMessage | undefined }>(
    '/apps/:appId/blobs/:sha256',
    {
      config: { access: ACCESS.publish },
      schema: {
        tags: ['publish'],
        summary: 'Upload one release file (raw bytes); the server checks its SHA-256',
        params: {
          type: 'object',
          required: ['appId', 'sha256'],
          properties: { appId: identifier, sha256 },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const header = request.headers['content-length'];
      const declared = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
      // No body at all is the empty file, which is a valid (if rare) release file.
      const body = request.body ?? new Uint8Array(0);
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
