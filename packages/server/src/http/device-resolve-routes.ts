import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { deviceApi } from '@updraft/api';
import type { Services } from '../domain/services.js';

/**
 * Dynamic mode for devices (no API key): which release this device should run, decided by
 * the same protocol function the device runs in static mode. The answer is advice: the device
 * still verifies the release through the signed TUF metadata. Per-request cost: a body of
 * ≤ 16 KiB, three indexed lookups and O(1) work on the cached parse (ResolveService.resolve).
 */
export const deviceResolveRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.post(
    '/device/v1/apps/:appId/resolve',
    {
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['devices'],
        summary: 'Which release a device should run (same rollout and targeting code as the device)',
        ...deviceApi.resolve,
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
