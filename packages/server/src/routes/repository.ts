import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Services } from '../services/index.js';
import { appParams, identifier } from './schemas.js';

/** Everything except timestamp.json is immutable under its name (consistent snapshots). */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const VERSIONED = /^([1-9][0-9]{0,9})\.(root|snapshot|targets|releases|director)\.json$/;

function notHere(reply: FastifyReply, what: string): FastifyReply {
  return reply.code(404).send({ error: { code: 'not-found', message: `${what} does not exist in this repository` } });
}

function sendJson(reply: FastifyReply, bytes: Uint8Array, cacheControl: string): FastifyReply {
  return reply
    .header('cache-control', cacheControl)
    .type('application/json')
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/**
 * The static TUF repository devices read (docs/protocol.md §1), unauthenticated. It serves
 * exactly the layout `updraft export` writes, so a CDN or a plain folder can replace it.
 */
export const repositoryRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const repo = services.repository;

  // A miss may become a hit later (N+1.root.json after a rotation): never let a CDN cache it.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 400) void reply.header('cache-control', 'no-store');
    return payload;
  });

  app.get<{ Params: { appId: string } }>(
    '/repo/:appId/metadata/timestamp.json',
    { schema: { tags: ['devices'], summary: 'The latest timestamp metadata', params: appParams } },
    async (request, reply) => {
      const bytes = await repo.timestamp(request.params.appId);
      return bytes ? sendJson(reply, bytes, 'no-cache') : notHere(reply, 'timestamp.json');
    },
  );

  app.get<{ Params: { appId: string; file: string } }>(
    '/repo/:appId/metadata/:file',
    {
      schema: {
        tags: ['devices'],
        summary: 'Versioned metadata: <N>.<role>.json',
        params: {
          type: 'object',
          required: ['appId', 'file'],
          properties: { appId: identifier, file: { type: 'string', maxLength: 64 } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const match = VERSIONED.exec(request.params.file);
      if (!match) return notHere(reply, request.params.file);
      const role = match[2] as 'root' | 'snapshot' | 'targets' | 'releases' | 'director';
      const bytes = await repo.metadata(request.params.appId, role, Number(match[1]));
      return bytes ? sendJson(reply, bytes, IMMUTABLE) : notHere(reply, request.params.file);
    },
  );

  const targetSchema = {
    tags: ['devices'],
    summary: 'A manifest or file of this app, by hash (consistent-snapshot name)',
    params: {
      type: 'object',
      required: ['appId', '*'],
      properties: { appId: identifier, '*': { type: 'string', maxLength: 2048 } },
      additionalProperties: false,
    },
  } as const;

  // Declared before the GET so Fastify does not derive a HEAD that reads the whole file.
  app.head<{ Params: { appId: string; '*': string } }>(
    '/repo/:appId/targets/*',
    { schema: targetSchema },
    async (request, reply) => {
      const length = await repo.targetLength(request.params.appId, request.params['*']);
      if (length === null) return notHere(reply, `targets/${request.params['*']}`);
      return reply
        .header('cache-control', IMMUTABLE)
        .header('content-length', length)
        .type('application/octet-stream')
        .send();
    },
  );

  app.get<{ Params: { appId: string; '*': string } }>(
    '/repo/:appId/targets/*',
    { schema: targetSchema },
    async (request, reply) => {
      const target = await repo.target(request.params.appId, request.params['*']);
      if (!target) return notHere(reply, `targets/${request.params['*']}`);
      return reply
        .header('cache-control', IMMUTABLE)
        .header('content-length', target.length)
        .type('application/octet-stream')
        .send(target.stream);
    },
  );
};
