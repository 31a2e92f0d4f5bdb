import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { repoPaths, repositoryPath } from '@updraft/protocol';
import type { Metrics } from '../app/metrics.js';

const PUBLISH_ROUTE = '/v1/apps/:appId/releases';
const EVENTS_ROUTE = '/v1/events';
const TIMESTAMP_ROUTE = `/${repositoryPath(':appId')}/${repoPaths.timestamp()}`;

/**
 * One log line and the metrics per request, from the route pattern (never the URL: a query
 * string or path may carry an identifier), the status and the duration. The request id is on
 * every line through Fastify's request logger. Headers and bodies are never logged.
 */
export function installRequestObservability(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const method = request.method;
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    const ms = reply.elapsedTime;
    const labels = { method, route, status: String(status) };
    metrics.requests.inc(labels);
    metrics.latency.observe(labels, ms / 1000);
    const length = Number(reply.getHeader('content-length'));
    if (Number.isFinite(length) && length > 0) metrics.bytesServed.inc({ route }, length);
    if (method === 'POST' && route === PUBLISH_ROUTE) {
      metrics.publishes.inc({ result: status < 300 ? 'ok' : status < 500 ? 'rejected' : 'failed' });
    } else if (method === 'POST' && route === EVENTS_ROUTE && status < 300) {
      const events = (request.body as { events?: unknown[] } | undefined)?.events;
      if (Array.isArray(events)) metrics.eventsIngested.inc({}, events.length);
    } else if (route === TIMESTAMP_ROUTE && status < 400) {
      metrics.checks.inc({ answered: 'computed' });
    }
    request.log.info({ method, route, status, ms: Math.round(ms * 10) / 10 }, 'request');
  });
}

/**
 * `GET /metrics` in Prometheus' text format, only when a token is configured, and then only
 * for `Authorization: Bearer <token>`: the numbers say how big the fleet is and how it fares.
 */
export function installMetricsRoute(app: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  if (!token) return;
  const expected = createHash('sha256').update(token).digest();
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (needs the metrics token)', tags: ['operations'] } },
    async (request, reply) => {
      const header = request.headers.authorization ?? '';
      const given = createHash('sha256')
        .update(header.startsWith('Bearer ') ? header.slice(7) : '')
        .digest();
      if (!timingSafeEqual(given, expected)) {
        return reply.code(401).send({
          error: {
            code: 'unauthorized',
            message: "send the metrics token as 'Authorization: Bearer <token>' (the server's --metrics-token)",
          },
        });
      }
      return reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render());
    },
  );
}
