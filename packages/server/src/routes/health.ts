import type { FastifyPluginAsync } from 'fastify';

/** Liveness for load balancers and `updraft serve` scripts; no auth, no I/O. */
export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/healthz',
    { schema: { summary: 'Liveness', querystring: { type: 'object', properties: {} } } },
    async () => ({ ok: true }),
  );
};
