import type { FastifyPluginAsync } from 'fastify';
import type { GuardrailInput, Services } from '../domain/services.js';
import { actorOf } from './access-hooks.js';
import { ACCESS, appParams, dateTime, identifier, noQuery, releaseParams } from './route-schemas.js';

const channelParams = {
  type: 'object',
  required: ['appId', 'channel'],
  properties: { appId: identifier, channel: identifier },
  additionalProperties: false,
} as const;

const keyParams = {
  type: 'object',
  required: ['appId', 'keyId'],
  properties: { appId: identifier, keyId: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
  additionalProperties: false,
} as const;

/** Release insight (rollups), guardrails and ingest keys. */
export const insightRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.get<{
    Params: { appId: string; releaseId: string };
    Querystring: { channel?: string; from?: string; to?: string };
  }>(
    '/apps/:appId/releases/:releaseId/insight',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['insight'],
        summary: 'Event counts per minute, adoption and rates of a release (from the rollups)',
        params: releaseParams,
        querystring: {
          type: 'object',
          properties: { channel: identifier, from: dateTime, to: dateTime },
          additionalProperties: false,
        },
      },
    },
    async (request) => services.insight.releaseInsight(request.params.appId, request.params.releaseId, request.query),
  );

  app.get<{ Params: { appId: string; releaseId: string }; Querystring: { channel: string } }>(
    '/apps/:appId/releases/:releaseId/guardrail',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['insight'],
        summary: "The guardrail's view of a release on a channel: window, launches, rates, status, last trip",
        params: releaseParams,
        querystring: {
          type: 'object',
          required: ['channel'],
          properties: { channel: identifier },
          additionalProperties: false,
        },
      },
    },
    async (request) =>
      services.guardrails.health(
        request.params.appId,
        request.params.releaseId,
        request.query.channel,
        actorOf(request),
      ),
  );

  app.get<{ Params: { appId: string } }>(
    '/apps/:appId/guardrails',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['insight'],
        summary: 'Guardrail settings of every channel',
        params: appParams,
        querystring: noQuery,
      },
    },
    async (request) => ({ guardrails: await services.guardrails.list(request.params.appId, actorOf(request)) }),
  );

  app.put<{ Params: { appId: string; channel: string }; Body: GuardrailInput }>(
    '/apps/:appId/channels/:channel/guardrail',
    {
      config: { access: ACCESS.channelCreate },
      schema: {
        tags: ['insight'],
        summary: "Set a channel's guardrail: threshold, lookback, minimum launches, webhook",
        params: channelParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean' },
            thresholdPercent: { type: 'number', minimum: 0.01, maximum: 100 },
            lookbackMinutes: { type: 'integer', minimum: 1, maximum: 1440 },
            minLaunches: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            webhookUrl: { anyOf: [{ type: 'string', minLength: 8, maxLength: 2048 }, { type: 'null' }] },
            mode: { type: 'string', enum: ['halt', 'alert'] },
            minSources: { type: 'integer', minimum: 1, maximum: 100_000 },
          },
        },
      },
    },
    async (request) =>
      services.guardrails.set(actorOf(request), request.params.appId, request.params.channel, request.body),
  );

  app.post<{ Params: { appId: string }; Body: { name: string } }>(
    '/apps/:appId/ingest-keys',
    {
      config: { access: ACCESS.appsWrite },
      schema: {
        tags: ['insight'],
        summary: 'Create an ingest key for device events (shown once)',
        params: appParams,
        body: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await services.ingest.createKey(actorOf(request), request.params.appId, request.body.name)),
  );

  app.get<{ Params: { appId: string } }>(
    '/apps/:appId/ingest-keys',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['insight'],
        summary: "The app's ingest keys (never the keys)",
        params: appParams,
        querystring: noQuery,
      },
    },
    async (request) => ({ keys: await services.ingest.listKeys(request.params.appId) }),
  );

  app.delete<{ Params: { appId: string; keyId: string } }>(
    '/apps/:appId/ingest-keys/:keyId',
    {
      config: { access: ACCESS.appsWrite },
      schema: { tags: ['insight'], summary: 'Revoke an ingest key', params: keyParams, querystring: noQuery },
    },
    async (request) => services.ingest.revokeKey(actorOf(request), request.params.appId, request.params.keyId),
  );
};
