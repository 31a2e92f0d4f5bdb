import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services/index.js';
import {
  COMPRESS_MIN_BYTES,
  compressBytes,
  compressStream,
  etagFor,
  looksCompressed,
  negotiateEncoding,
  notModified,
  parseRange,
  type Encoding,
} from './http-cache.js';
import { BoundedCache } from '../bounded-cache.js';
import { appParams, identifier } from './schemas.js';

/** Everything except timestamp.json is immutable under its name (consistent snapshots). */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * timestamp.json changes with every publish: caches may keep it briefly and must then
 * revalidate (cheap: a 304 by ETag). This bounds how late a device or CDN sees a release.
 */
export const TIMESTAMP_CACHE_CONTROL = 'public, max-age=10, must-revalidate';
const VERSIONED = /^([1-9][0-9]{0,9})\.(root|snapshot|targets|releases|director)\.json$/;
/** Targets that are JSON documents (release manifests, under either name): small, very compressible. */
const JSON_TARGET = /^(manifests|channels)\//;

function notHere(reply: FastifyReply, what: string): FastifyReply {
  return reply.code(404).send({ error: { code: 'not-found', message: `${what} does not exist in this repository` } });
}

const toBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The static TUF repository devices read (docs/protocol.md §1), unauthenticated. It serves
 * exactly the layout `updraft export` writes, so a CDN or a plain folder can replace it.
 */
export const repositoryRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const repo = services.repository;
  // Compressed variants of immutable documents, by sha256 + encoding (32 MiB at most).
  const compressed = new BoundedCache<Buffer>(32 * 1024 * 1024, (b) => b.length);
  // Whether a blob is worth compressing, decided once from its first bytes.
  const compressible = new BoundedCache<boolean>(100_000);

  // A miss may become a hit later (N+1.root.json after a rotation): never let a CDN cache it.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 400) void reply.header('cache-control', 'no-store');
    return payload;
  });

  /** A small immutable-by-hash document: 304, or the bytes, compressed when that pays. */
  const sendDocument = (
    request: FastifyRequest,
    reply: FastifyReply,
    doc: { bytes: Uint8Array; sha256: string },
    cacheControl: string,
    type: string,
  ): FastifyReply => {
    void reply.header('cache-control', cacheControl);
    const encoding =
      doc.bytes.length >= COMPRESS_MIN_BYTES ? negotiateEncoding(request.headers['accept-encoding']) : null;
    if (doc.bytes.length >= COMPRESS_MIN_BYTES) void reply.header('vary', 'Accept-Encoding');
    void reply.header('etag', etagFor(doc.sha256, encoding));
    if (notModified(request.headers['if-none-match'], doc.sha256)) return reply.code(304).send();
    void reply.type(type);
    if (!encoding) return reply.send(toBuffer(doc.bytes));
    const key = `${doc.sha256}-${encoding}`;
    let body = compressed.get(key);
    if (!body) {
      body = compressBytes(doc.bytes, encoding);
      compressed.set(key, body);
    }
    return reply.header('content-encoding', encoding).send(body);
  };

  app.get<{ Params: { appId: string } }>(
    '/repo/:appId/metadata/timestamp.json',
    { schema: { tags: ['devices'], summary: 'The latest timestamp metadata', params: appParams } },
    async (request, reply) => {
      const doc = await repo.timestamp(request.params.appId);
      return doc
        ? sendDocument(request, reply, doc, TIMESTAMP_CACHE_CONTROL, 'application/json')
        : notHere(reply, 'timestamp.json');
    },
  );

  app.get<{ Params: { appId: string; file: string } }>(
    '/repo/:appId/metadata/:file',
    {
      schema: {
        tags: ['devices'],
        summary: 'Versioned metadata: <N>.<role>.json',
        params: {
          type: 'object',
          required: ['appId', 'file'],
          properties: { appId: identifier, file: { type: 'string', maxLength: 64 } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const match = VERSIONED.exec(request.params.file);
      if (!match) return notHere(reply, request.params.file);
      const role = match[2] as 'root' | 'snapshot' | 'targets' | 'releases' | 'director';
      const doc = await repo.metadata(request.params.appId, role, Number(match[1]));
      return doc
        ? sendDocument(request, reply, doc, IMMUTABLE, 'application/json')
        : notHere(reply, request.params.file);
    },
  );

  const targetSchema = {
    tags: ['devices'],
    summary: 'A manifest or file of this app, by hash (consistent-snapshot name)',
    params: {
      type: 'object',
      required: ['appId', '*'],
      properties: { appId: identifier, '*': { type: 'string', maxLength: 2048 } },
      additionalProperties: false,
    },
  } as const;

  // Declared before the GET so Fastify does not derive a HEAD that reads the whole file.
  app.head<{ Params: { appId: string; '*': string } }>(
    '/repo/:appId/targets/*',
    { schema: targetSchema },
    async (request, reply) => {
      const sha256 = await repo.targetBlob(request.params.appId, request.params['*']);
      const length = sha256 ? await repo.blobLength(sha256) : null;
      if (sha256 === null || length === null) return notHere(reply, `targets/${request.params['*']}`);
      return reply
        .header('cache-control', IMMUTABLE)
        .header('etag', etagFor(sha256))
        .header('accept-ranges', 'bytes')
        .header('content-length', length)
        .type('application/octet-stream')
        .send();
    },
  );

  app.get<{ Params: { appId: string; '*': string } }>(
    '/repo/:appId/targets/*',
    { schema: targetSchema },
    async (request, reply) => {
      const { appId } = request.params;
      const path = request.params['*'];
      const sha256 = await repo.targetBlob(appId, path);
      if (!sha256) return notHere(reply, `targets/${path}`);
      const etag = etagFor(sha256);
      void reply.header('cache-control', IMMUTABLE);
      if (notModified(request.headers['if-none-match'], sha256)) return reply.header('etag', etag).code(304).send();

      const publicUrl = repo.publicUrl(sha256);
      if (publicUrl) return reply.header('location', publicUrl).code(302).send();

      const length = await repo.blobLength(sha256);
      if (length === null) return notHere(reply, `targets/${path}`);
      void reply.header('accept-ranges', 'bytes');

      const range = parseRange(request.headers.range, length, request.headers['if-range'] as string | undefined, etag);
      if (range === 'unsatisfiable') {
        return reply.header('content-range', `bytes */${length}`).code(416).send();
      }
      if (range) {
        const part = await repo.target(appId, path, range);
        if (!part) return notHere(reply, `targets/${path}`);
        return reply
          .code(206)
          .header('etag', etag)
          .header('content-range', `bytes ${range.start}-${range.end}/${length}`)
          .header('content-length', part.length)
          .type('application/octet-stream')
          .send(part.stream);
      }

      const encoding = length >= COMPRESS_MIN_BYTES ? negotiateEncoding(request.headers['accept-encoding']) : null;
      if (length >= COMPRESS_MIN_BYTES) void reply.header('vary', 'Accept-Encoding');

      if (JSON_TARGET.test(path)) {
        const bytes = await repo.targetBytes(sha256);
        if (!bytes) return notHere(reply, `targets/${path}`);
        return sendDocument(request, reply, { bytes, sha256 }, IMMUTABLE, 'application/octet-stream');
      }

      if (encoding && (await isCompressible(sha256, length))) {
        const whole = await repo.target(appId, path);
        if (!whole) return notHere(reply, `targets/${path}`);
        return reply
          .header('etag', etagFor(sha256, encoding))
          .header('content-encoding', encoding)
          .type('application/octet-stream')
          .send(whole.stream.pipe(compressStream(encoding as Encoding)));
      }

      const whole = await repo.target(appId, path);
      if (!whole) return notHere(reply, `targets/${path}`);
      return reply
        .header('etag', etag)
        .header('content-length', whole.length)
        .type('application/octet-stream')
        .send(whole.stream);

      async function isCompressible(blob: string, size: number): Promise<boolean> {
        const known = compressible.get(blob);
        if (known !== undefined) return known;
        const head = await repo.target(appId, path, { start: 0, end: Math.min(size, 16) - 1 });
        if (!head) return false;
        const chunks: Buffer[] = [];
        for await (const c of head.stream) chunks.push(Buffer.from(c as Uint8Array));
        const verdict = !looksCompressed(Buffer.concat(chunks));
        compressible.set(blob, verdict);
        return verdict;
      }
    },
  );
};
