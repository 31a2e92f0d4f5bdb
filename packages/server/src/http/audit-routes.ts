import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { auditApi } from '@updraft/api';
import type { Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, adminRoute, deliveryList } from './route-schemas.js';

export const auditRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.get(
    '/audit',
    adminRoute(
      ACCESS.audit,
      'audit',
      "The organization's audit log, oldest first (page with ?after=<seq>)",
      auditApi.listAudit,
    ),
    async (request) => ({
      entries: await services.audit.list(actorOf(request), {
        ...(request.query.app !== undefined ? { appId: request.query.app } : {}),
        ...(request.query.after !== undefined ? { afterSeq: Number(request.query.after) } : {}),
        limit: Number(request.query.limit ?? 1000),
      }),
    }),
  );

  app.get(
    '/audit/verify',
    {
      config: { access: ACCESS.audit },
      schema: {
        tags: ['audit'],
        summary:
          'Check the hash chain of the whole organization log (or one app): edited, inserted or deleted rows; ' +
          'and the whole log against its anchors in /log/audit: truncated or rewritten',
        ...auditApi.verifyAudit,
      },
    },
    async (request) => services.audit.verify(actorOf(request), request.query.app),
  );

  app.get(
    '/audit/anchor-status',
    adminRoute(
      ACCESS.audit,
      'audit',
      'Whether the log still extends its latest anchor (truncated or rewritten since), for a banner',
      auditApi.getAnchorStatus,
    ),
    async (request) => services.audit.anchorStatus(actorOf(request)),
  );

  app.get(
    '/audit/webhook',
    adminRoute(ACCESS.audit, 'audit', 'Where audit alerts are posted', auditApi.getAuditWebhook),
    async (request) => services.audit.getWebhook(actorOf(request)),
  );

  app.put(
    '/audit/webhook',
    adminRoute(
      ACCESS.audit,
      'audit',
      'Set (or clear with null) the https URL audit alerts are posted to',
      auditApi.setAuditWebhook,
    ),
    async (request) => services.audit.setWebhook(actorOf(request), request.body.url),
  );

  app.get(
    '/audit/webhook/deliveries',
    adminRoute(
      ACCESS.audit,
      'audit',
      "The audit webhook's last deliveries, newest first: event, host, status, attempts, the last attempt's HTTP status or error",
      auditApi.listAuditWebhookDeliveries,
    ),
    async (request) =>
      deliveryList(request.query, (limit) => services.audit.webhookDeliveries(actorOf(request), limit)),
  );
};
