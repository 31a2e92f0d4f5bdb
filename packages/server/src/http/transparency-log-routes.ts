import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Services } from '../domain/services.js';
import { AUDIT_LOG_ID } from '../domain/services.js';
import { IMMUTABLE, TIMESTAMP_CACHE_CONTROL } from './repository-routes.js';
import { ACCESS, appParams, identifier, noQuery } from './route-schemas.js';

const INTEGER = { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' } as const;
const HEX_HASH = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;

const entriesQuery = {
  type: 'object',
  required: ['start', 'end'],
  properties: { start: INTEGER, end: INTEGER },
  additionalProperties: false,
} as const;
const inclusionQuery = {
  type: 'object',
  properties: { hash: HEX_HASH, index: INTEGER, treeSize: INTEGER },
  additionalProperties: false,
} as const;
const consistencyQuery = {
  type: 'object',
  required: ['from', 'to'],
  properties: { from: INTEGER, to: INTEGER },
  additionalProperties: false,
} as const;

type Q = Record<string, string | undefined>;
const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));

/**
 * The read side of a transparency log (docs/protocol.md §9), public like the repository:
 * mounted at /repo/<appId>/log for each app and at /log/audit for the audit anchors.
 *
 * Per-request cost, unauthenticated (N = the log's size, which only publishers grow):
 * - checkpoint: the latest checkpoint and its ≤ 16 cosignature lines, two indexed lookups;
 * - entries: at most MAX_ENTRIES_PER_REQUEST (256) leaves;
 * - tile/…: a memory hit for any tile served before (each path names fixed content); a miss
 *   reads ≤ 256 entries, or the leaf hashes below the tile (≤ N), once per tile;
 * - leaf/<hash>: one indexed lookup;
 * - proof/inclusion, proof/consistency: all N leaf hashes read and O(N) hashing. These are
 *   the legacy endpoints (devices use tiles); N is one leaf per published releases or root
 *   version, so thousands, not attacker-chosen.
 */
function logReads(
  logIdOf: (params: Record<string, string>) => string,
): FastifyPluginAsync<{ services: Services; params?: object }> {
  return async (app, { services, params }) => {
    const log = services.transparencyLog;
    const schema = params ? { params } : {};
    app.get(
      '/checkpoint',
      { schema: { ...schema, tags: ['devices'], summary: 'The latest signed checkpoint (C2SP signed note)' } },
      async (request, reply: FastifyReply) => {
        const note = await log.checkpoint(logIdOf(request.params as Record<string, string>));
        return reply.header('cache-control', 'no-cache').type('text/plain; charset=utf-8').send(note);
      },
    );
    app.get(
      '/entries',
      { schema: { ...schema, tags: ['devices'], summary: 'Log entries [start, end)', querystring: entriesQuery } },
      async (request) => {
        const q = request.query as Q;
        return {
          entries: await log.entries(
            logIdOf(request.params as Record<string, string>),
            num(q['start'])!,
            num(q['end'])!,
          ),
        };
      },
    );
    // C2SP tlog-tiles: what devices read (any static host can serve these files too).
    const sendTile = (reply: FastifyReply, tile: { data: Uint8Array; full: boolean }) =>
      reply
        .header('cache-control', tile.full ? IMMUTABLE : TIMESTAMP_CACHE_CONTROL)
        .type('application/octet-stream')
        .send(Buffer.from(tile.data.buffer, tile.data.byteOffset, tile.data.length));
    const tileRest = { type: 'string', maxLength: 64 } as const;
    const withParams = (extra: Record<string, unknown>, required: string[]) => {
      const base = (params ?? { type: 'object', properties: {}, required: [] }) as {
        properties: Record<string, unknown>;
        required?: string[];
      };
      return {
        type: 'object',
        required: [...(base.required ?? []), ...required],
        properties: { ...base.properties, ...extra },
        additionalProperties: false,
      };
    };
    app.get(
      '/tile/entries/*',
      {
        schema: {
          params: withParams({ '*': tileRest }, ['*']),
          querystring: noQuery,
          tags: ['devices'],
          summary: 'An entry bundle (C2SP tlog-tiles): tile/entries/<N>[.p/<W>]',
        },
      },
      async (request, reply) => {
        const p = request.params as Record<string, string>;
        return sendTile(reply, await log.tile(logIdOf(p), `entries/${p['*']}`));
      },
    );
    app.get(
      '/tile/:level/*',
      {
        schema: {
          params: withParams({ level: { type: 'string', pattern: '^(0|[1-9][0-9]?)$' }, '*': tileRest }, [
            'level',
            '*',
          ]),
          querystring: noQuery,
          tags: ['devices'],
          summary: 'A hash tile (C2SP tlog-tiles): tile/<L>/<N>[.p/<W>]',
        },
      },
      async (request, reply) => {
        const p = request.params as Record<string, string>;
        return sendTile(reply, await log.tile(logIdOf(p), `${p['level']}/${p['*']}`));
      },
    );
    app.get(
      '/leaf/:hash',
      {
        schema: {
          params: withParams({ hash: HEX_HASH }, ['hash']),
          querystring: noQuery,
          tags: ['devices'],
          summary: 'Leaf-index hint: the index of the entry with this leaf hash (decimal, text)',
        },
      },
      async (request, reply) => {
        const p = request.params as Record<string, string>;
        const index = await log.leafIndex(logIdOf(p), p['hash']!);
        // A leaf's index never changes once it is in the log.
        return reply.header('cache-control', IMMUTABLE).type('text/plain; charset=utf-8').send(String(index));
      },
    );
    app.get(
      '/proof/inclusion',
      { schema: { ...schema, tags: ['devices'], summary: 'Inclusion proof of an entry', querystring: inclusionQuery } },
      async (request) => {
        const q = request.query as Q;
        const query: { hash?: string; index?: number; treeSize?: number } = {};
        if (q['hash'] !== undefined) query.hash = q['hash'];
        if (q['index'] !== undefined) query.index = Number(q['index']);
        if (q['treeSize'] !== undefined) query.treeSize = Number(q['treeSize']);
        return log.inclusion(logIdOf(request.params as Record<string, string>), query);
      },
    );
    app.get(
      '/proof/consistency',
      {
        schema: {
          ...schema,
          tags: ['devices'],
          summary: 'Consistency proof between two tree sizes',
          querystring: consistencyQuery,
        },
      },
      async (request) => {
        const q = request.query as Q;
        return log.consistency(logIdOf(request.params as Record<string, string>), num(q['from'])!, num(q['to'])!);
      },
    );
  };
}

export const transparencyLogRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 400) void reply.header('cache-control', 'no-store');
    return payload;
  });
  await app.register(
    logReads((p) => p['appId']!),
    { prefix: '/repo/:appId/log', services, params: appParams },
  );
  await app.register(
    logReads(() => AUDIT_LOG_ID),
    { prefix: '/log/audit', services },
  );
};

/** Admin side: the log's identity (to pin) and witness cosignatures. */
export const transparencyAdminRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.get<{ Params: { appId: string } }>(
    '/apps/:appId/log',
    {
      config: { access: ACCESS.read },
      schema: {
        tags: ['apps'],
        summary: "The app's transparency log identity (to pin)",
        params: appParams,
        querystring: noQuery,
      },
    },
    async (request) => {
      await services.apps.getApp(request.params.appId); // 404 for an unknown app
      return services.transparencyLog.identity(request.params.appId);
    },
  );
  app.post<{ Params: { appId: string }; Body: { checkpoint: string } }>(
    '/apps/:appId/log/cosignatures',
    {
      // Cosignatures are checked against the witness keys; any key that may change releases may relay them.
      config: { access: ACCESS.logCosign },
      schema: {
        tags: ['apps'],
        summary: 'Add witness cosignatures to a checkpoint',
        params: { type: 'object', required: ['appId'], properties: { appId: identifier }, additionalProperties: false },
        body: {
          type: 'object',
          required: ['checkpoint'],
          properties: { checkpoint: { type: 'string', maxLength: 65536 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => services.transparencyLog.addCosignatures(request.params.appId, request.body.checkpoint),
  );
};
