import type { FastifyPluginAsync } from 'fastify';
import type { ResolveInput, Services } from '../domain/services.js';
import { appParams, identifier, targeting } from './route-schemas.js';

const attributeString = { type: 'string', minLength: 1, maxLength: 128 } as const;

/**
 * Dynamic mode for devices (no API key): which release this device should run, decided by
 * the same protocol function the device runs in static mode. The answer is advice: the device
 * still verifies the release through the signed TUF metadata. Per-request cost: a body of
 * ≤ 16 KiB, three indexed lookups and O(1) work on the cached parse (ResolveService.resolve).
 */
export const deviceResolveRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.post<{ Params: { appId: string }; Body: ResolveInput }>(
    '/device/v1/apps/:appId/resolve',
    {
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['devices'],
        summary: 'Which release a device should run (same rollout and targeting code as the device)',
        params: appParams,
        body: {
          type: 'object',
          required: ['channel', 'platform', 'runtimeVersion', 'deviceId'],
          properties: {
            channel: identifier,
            platform: identifier,
            runtimeVersion: identifier,
            deviceId: { type: 'string', minLength: 1, maxLength: 256 },
            attributes: {
              type: 'object',
              additionalProperties: false,
              properties: {
                appVersion: attributeString,
                osVersion: attributeString,
                reactNativeVersion: attributeString,
                arch: attributeString,
                custom: targeting.properties.custom,
              },
            },
          },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const resolved = await services.resolve.resolve(request.params.appId, request.body);
      if (!resolved) {
        return reply.code(404).send({
          error: { code: 'app-not-found', message: `no servable app "${request.params.appId}" on this server` },
        });
      }
      return resolved;
    },
  );
};
