import swagger from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI 3 document, generated from the JSON schema every route declares (so it cannot
 * drift from what the server validates) and served at GET /openapi.json. Register before any
 * route: @fastify/swagger collects routes as they are added.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Updraft admin and device API',
        version: '1',
        description:
          'Admin API under /v1 (Bearer API key; roles and scopes per route, see docs/api.md), the static TUF repository under /repo and the dynamic resolve route for devices.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'an updraft_… API key (or the dashboard session cookie)',
          },
          ingestKey: {
            type: 'http',
            scheme: 'bearer',
            description: "an app's updraft_ingest_… key (device events only)",
          },
        },
      },
      tags: [
        { name: 'apps' },
        { name: 'publish' },
        { name: 'releases' },
        { name: 'channels' },
        { name: 'keys' },
        { name: 'audit' },
        { name: 'devices' },
        { name: 'insight' },
      ],
    },
    // Every /v1 route needs the bearer key (device events: the ingest key); the rest are public.
    transform: ({ schema, url }) => {
      const transformed = { ...(schema as Record<string, unknown>) };
      if (url.startsWith('/v1') && !transformed['security']) transformed['security'] = [{ apiKey: [] }];
      return { schema: transformed as typeof schema, url };
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
