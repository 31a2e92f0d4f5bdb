import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { transparencyLogApi as api } from '@updraft/api';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import {
  LOG_CHECKPOINT,
  LOG_CONSISTENCY_PROOF_PATH,
  LOG_ENTRIES_LEVEL,
  LOG_ENTRIES_PATH,
  LOG_FOLDER,
  LOG_INCLUSION_PROOF_PATH,
  LOG_LEAF_FOLDER,
  LOG_TILE_FOLDER,
  repositoryPath,
} from '@updraft/protocol';
import type { Services } from '../domain/services.js';
import { AUDIT_LOG_ID } from '../domain/services.js';
import { IMMUTABLE, TIMESTAMP_CACHE_CONTROL } from './repository-routes.js';
import { ACCESS, appParams, adminRoute } from './route-schemas.js';

/** Path parameters differ by mount (the app's log has appId); a route adds its own. */
type LogParams = Record<string, string>;

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
  logIdOf: (params: LogParams) => string,
): FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services; params?: typeof appParams } }> {
  return async (app, { services, params }) => {
    const log = services.transparencyLog;
    const schema = params ? { params } : {};
    app.get(
      `/${LOG_CHECKPOINT}`,
      {
        schema: {
          ...schema,
          tags: ['devices'],
          summary: 'The latest signed checkpoint (C2SP signed note)',
          ...api.checkpoint,
        },
      },
      async (request, reply: FastifyReply) => {
        const note = await log.checkpoint(logIdOf(request.params as LogParams));
        return reply.header('cache-control', 'no-cache').type('text/plain; charset=utf-8').send(note);
      },
    );
    app.get(
      `/${LOG_ENTRIES_PATH}`,
      { schema: { ...schema, tags: ['devices'], summary: 'Log entries [start, end)', ...api.entries } },
      async (request) => {
        const q = request.query;
        return { entries: await log.entries(logIdOf(request.params as LogParams), Number(q.start), Number(q.end)) };
      },
    );
    // C2SP tlog-tiles: what devices read (any static host can serve these files too).
    const sendTile = (reply: FastifyReply, tile: { data: Uint8Array; full: boolean }) =>
      reply
        .header('cache-control', tile.full ? IMMUTABLE : TIMESTAMP_CACHE_CONTROL)
        .type('application/octet-stream')
        .send(Buffer.from(tile.data.buffer, tile.data.byteOffset, tile.data.length));
    const withParams = ({
      extraParams,
      ...rest
    }: {
      extraParams: { properties: object; required: readonly string[] };
    }) => ({
      ...rest,
      params: {
        type: 'object',
        required: [...(params?.required ?? []), ...extraParams.required],
        properties: { ...params?.properties, ...extraParams.properties },
        additionalProperties: false,
      },
    });
    app.get(
      `/${LOG_TILE_FOLDER}/${LOG_ENTRIES_LEVEL}/*`,
      {
        schema: {
          ...withParams(api.entryTile),
          tags: ['devices'],
          summary: 'An entry bundle (C2SP tlog-tiles): tile/entries/<N>[.p/<W>]',
        },
      },
      async (request, reply) => {
        const p = request.params as LogParams;
        return sendTile(reply, await log.tile(logIdOf(p), `${LOG_ENTRIES_LEVEL}/${p['*']}`));
      },
    );
    app.get(
      `/${LOG_TILE_FOLDER}/:level/*`,
      {
        schema: {
          ...withParams(api.hashTile),
          tags: ['devices'],
          summary: 'A hash tile (C2SP tlog-tiles): tile/<L>/<N>[.p/<W>]',
        },
      },
      async (request, reply) => {
        const p = request.params as LogParams;
        return sendTile(reply, await log.tile(logIdOf(p), `${p['level']}/${p['*']}`));
      },
    );
    app.get(
      `/${LOG_LEAF_FOLDER}/:hash`,
      {
        schema: {
          ...withParams(api.leafIndex),
          tags: ['devices'],
          summary: 'Leaf-index hint: the index of the entry with this leaf hash (decimal, text)',
        },
      },
      async (request, reply) => {
        const p = request.params as LogParams;
        const index = await log.leafIndex(logIdOf(p), p['hash']!);
        // A leaf's index never changes once it is in the log.
        return reply.header('cache-control', IMMUTABLE).type('text/plain; charset=utf-8').send(String(index));
      },
    );
    app.get(
      `/${LOG_INCLUSION_PROOF_PATH}`,
      { schema: { ...schema, tags: ['devices'], summary: 'Inclusion proof of an entry', ...api.inclusionProof } },
      async (request) => {
        const q = request.query;
        const query: { hash?: string; index?: number; treeSize?: number } = {};
        if (q.hash !== undefined) query.hash = q.hash;
        if (q.index !== undefined) query.index = Number(q.index);
        if (q.treeSize !== undefined) query.treeSize = Number(q.treeSize);
        return log.inclusion(logIdOf(request.params as LogParams), query);
      },
    );
    app.get(
      `/${LOG_CONSISTENCY_PROOF_PATH}`,
      {
        schema: {
          ...schema,
          tags: ['devices'],
          summary: 'Consistency proof between two tree sizes',
          ...api.consistencyProof,
        },
      },
      async (request) => {
        const q = request.query;
        return log.consistency(logIdOf(request.params as LogParams), Number(q.from), Number(q.to));
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
    { prefix: `/${repositoryPath(':appId')}/${LOG_FOLDER}`, services, params: appParams },
  );
  await app.register(
    logReads(() => AUDIT_LOG_ID),
    { prefix: `/${LOG_FOLDER}/audit`, services },
  );
};

/** Admin side: the log's identity (to pin) and witness cosignatures. */
export const transparencyAdminRoutes: FastifyPluginAsyncJsonSchemaToTs<{ Options: { services: Services } }> = async (
  app,
  { services },
) => {
  app.get(
    '/apps/:appId/log',
    adminRoute(ACCESS.read, 'apps', "The app's transparency log identity (to pin)", api.logIdentity),
    async (request) => {
      await services.apps.getApp(request.params.appId); // 404 for an unknown app
      return services.transparencyLog.identity(request.params.appId);
    },
  );
  app.post(
    '/apps/:appId/log/cosignatures',
    {
      // Cosignatures are checked against the witness keys; any key that may change releases may relay them.
      config: { access: ACCESS.logCosign },
      schema: {
        tags: ['apps'],
        summary: 'Add witness cosignatures to a checkpoint',
        ...api.addCosignatures,
      },
    },
    async (request) => services.transparencyLog.addCosignatures(request.params.appId, request.body.checkpoint),
  );
};
