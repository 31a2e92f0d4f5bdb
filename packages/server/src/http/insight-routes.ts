import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { insightApi } from '@updraft/api';
import type { Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, adminRoute, deliveryList } from './route-schemas.js';

/** Release insight (rollups), guardrails and ingest keys. */
export const insightRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.get(
    '/apps/:appId/releases/:releaseId/insight',
    adminRoute(
      ACCESS.read,
      'insight',
      'Event counts per minute, adoption and rates of a release (from the rollups)',
      insightApi.getReleaseInsight,
    ),
    async (request) => services.insight.releaseInsight(request.params.appId, request.params.releaseId, request.query),
  );

  app.get(
    '/apps/:appId/releases/:releaseId/guardrail',
    adminRoute(
      ACCESS.read,
      'insight',
      "The guardrail's view of a release on a channel: window, launches, rates, status, last trip",
      insightApi.getGuardrailHealth,
    ),
    async (request) =>
      services.guardrails.health(
        request.params.appId,
        request.params.releaseId,
        request.query.channel,
        actorOf(request),
      ),
  );

  app.get(
    '/apps/:appId/guardrails',
    adminRoute(ACCESS.read, 'insight', 'Guardrail settings of every channel', insightApi.listGuardrails),
    async (request) => ({ guardrails: await services.guardrails.list(request.params.appId, actorOf(request)) }),
  );

  app.put(
    '/apps/:appId/channels/:channel/guardrail',
    adminRoute(
      ACCESS.channelCreate,
      'insight',
      "Set a channel's guardrail: threshold, lookback, minimum launches, webhook",
      insightApi.setGuardrail,
    ),
    async (request) =>
      services.guardrails.set(actorOf(request), request.params.appId, request.params.channel, request.body),
  );

  app.get(
    '/apps/:appId/webhooks/deliveries',
    adminRoute(
      ACCESS.read,
      'insight',
      "The last deliveries of the app's guardrail webhooks, newest first: event, host, status, attempts, the last attempt's HTTP status or error",
      insightApi.listGuardrailWebhookDeliveries,
    ),
    async (request) =>
      deliveryList(request.query, (limit) =>
        services.guardrails.webhookDeliveries(actorOf(request), request.params.appId, limit),
      ),
  );

  app.post(
    '/apps/:appId/ingest-keys',
    adminRoute(
      ACCESS.appsWrite,
      'insight',
      'Create an ingest key for device events (shown once)',
      insightApi.createIngestKey,
    ),
    async (request, reply) =>
      reply.code(201).send(await services.ingest.createKey(actorOf(request), request.params.appId, request.body.name)),
  );

  app.get(
    '/apps/:appId/ingest-keys',
    adminRoute(ACCESS.read, 'insight', "The app's ingest keys (never the keys)", insightApi.listIngestKeys),
    async (request) => ({ keys: await services.ingest.listKeys(request.params.appId) }),
  );

  app.delete(
    '/apps/:appId/ingest-keys/:keyId',
    adminRoute(ACCESS.appsWrite, 'insight', 'Revoke an ingest key', insightApi.revokeIngestKey),
    async (request) => services.ingest.revokeKey(actorOf(request), request.params.appId, request.params.keyId),
  );
};
