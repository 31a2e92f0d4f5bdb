import type { FastifyPluginAsync } from 'fastify';
import type { Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, identifier, LIMIT_PATTERN, noQuery, SEQ_PATTERN } from './route-schemas.js';

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
        summary:
          'Check the hash chain of the whole organization log (or one app): edited, inserted or deleted rows; ' +
          'and the whole log against its anchors in /log/audit: truncated or rewritten',
        querystring: { type: 'object', properties: { app: identifier }, additionalProperties: false },
      },
    },
    async (request) => services.audit.verify(actorOf(request), request.query.app),
  );

  app.get(
    '/audit/anchor-status',
    {
      config: { access: ACCESS.audit },
      schema: {
        tags: ['audit'],
        summary: 'Whether the log still extends its latest anchor (truncated or rewritten since), for a banner',
        querystring: noQuery,
      },
    },
    async (request) => services.audit.anchorStatus(actorOf(request)),
  );

  app.get(
    '/audit/webhook',
    {
      config: { access: ACCESS.audit },
      schema: { tags: ['audit'], summary: 'Where audit alerts are posted', querystring: noQuery },
    },
    async (request) => services.audit.getWebhook(actorOf(request)),
  );

  app.put<{ Body: { url: string | null } }>(
    '/audit/webhook',
    {
      config: { access: ACCESS.audit },
      schema: {
        tags: ['audit'],
        summary: 'Set (or clear with null) the https URL audit alerts are posted to',
        querystring: noQuery,
        body: {
          type: 'object',
          required: ['url'],
          properties: { url: { type: ['string', 'null'], maxLength: 2048 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => services.audit.setWebhook(actorOf(request), request.body.url),
  );
};
