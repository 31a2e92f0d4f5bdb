import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Updraft</title>
<p>The dashboard is not built. Run <code>npm run build</code> in the Updraft checkout, then restart the server.</p>`;

/**
 * The dashboard's static files (packages/dashboard/dist) at `/`. Hashed assets are cached
 * forever; index.html never (it names the current assets). The page is one HTML file with
 * hash routes, so a reload of any dashboard page loads `/`.
 */
export const dashboardRoutes: FastifyPluginAsync<{ dir: string | null }> = async (app, { dir }) => {
  const security = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy':
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  };
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const html = dir ? await readFile(join(dir, 'index.html'), 'utf8').catch(() => null) : null;
    return reply
      .headers({ ...security, 'cache-control': 'no-cache' })
      .type('text/html; charset=utf-8')
      .code(html ? 200 : 503)
      .send(html ?? NOT_BUILT);
  });
  app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (request, reply) => {
    const file = request.params.file;
    if (!dir || !/^[A-Za-z0-9._-]+$/.test(file) || file.startsWith('.')) {
      return reply.code(404).send({ error: { code: 'not-found', message: 'no such dashboard asset' } });
    }
    const bytes = await readFile(normalize(join(dir, 'assets', file))).catch(() => null);
    if (!bytes) return reply.code(404).send({ error: { code: 'not-found', message: 'no such dashboard asset' } });
    return reply
      .headers({ ...security, 'cache-control': 'public, max-age=31536000, immutable' })
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .send(bytes);
  });
};
