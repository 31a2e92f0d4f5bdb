import assert from 'node:assert/strict';
import type { FastifyInstance, HTTPMethods } from 'fastify';

/**
 * Every route the router holds, as `METHOD /path` in OpenAPI spelling (`{param}`, `{*}` for a
 * wildcard), HEAD left out (Fastify answers it for every GET). Read from Fastify's route tree
 * (printRoutes), whose nodes concatenate to the full path; each result is then checked with
 * hasRoute, so a misread tree fails instead of hiding a route.
 */
export function registeredRoutes(app: FastifyInstance): string[] {
  const out: string[] = [];
  const prefixes: string[] = [];
  for (const line of app.printRoutes().split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    prefixes.length = depth;
    const path = prefixes.join('') + m[2]!;
    prefixes.push(m[2]!);
    for (const method of m[3]?.split(', ') ?? []) {
      assert.ok(
        app.hasRoute({ method: method as HTTPMethods, url: path }),
        `misread the route tree: ${method} ${path}`,
      );
      if (method === 'HEAD') continue;
      out.push(`${method} ${path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{*}')}`);
    }
  }
  return out;
}
