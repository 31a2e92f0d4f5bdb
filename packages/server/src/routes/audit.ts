import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../services/index.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, identifier, LIMIT_PATTERN, SEQ_PATTERN } from './schemas.js';

export const auditRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.get<{ Querystring: { app?: string; after?: string; limit?: string } }>(
    '/audit',
    {
      config: { access: ACCESS.audit },
      schema: {
        tags: ['audit'],
        summary: "The organization's audit log, oldest first (page with ?after=<seq>)",
        querystring: {
          type: 'object',
          properties: {
            app: identifier,
            after: { type: 'string', pattern: SEQ_PATTERN },
            limit: { type: 'string', pattern: LIMIT_PATTERN },
          },
          additionalProperties: false,
        },
      },
    },
    async (request) => ({
      entries: await services.audit.list(actorOf(request), {
        ...(request.query.app !== undefined ? { appId: request.query.app } : {}),
        ...(request.query.after !== undefined ? { afterSeq: Number(request.query.after) } : {}),
        limit: Number(request.query.limit ?? 1000),
      }),
    }),
  );

  app.get<{ Querystring: { app?: string } }>(
    '/audit/verify',
    {
      config: { access: ACCESS.audit },
      schema: {
        tags: ['audit'],
        summary: 'Check the hash chain of the whole organization log (or one app): edited, inserted or deleted rows',
        querystring: { type: 'object', properties: { app: identifier }, additionalProperties: false },
      },
    },
    async (request) => services.audit.verify(actorOf(request), request.query.app),
  );
};
