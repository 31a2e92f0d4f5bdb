import type { FastifyPluginAsyncJsonSchemaToTs } from '@fastify/type-provider-json-schema-to-ts';
import { repositoryApi } from '@updraft/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  METADATA_FOLDER,
  parseMetadataFileName,
  repoPaths,
  repositoryPath,
  TARGETS_FOLDER,
  TIMESTAMP_FILE,
} from '@updraft/protocol';
import type { Services } from '../domain/services.js';
import { etagFor } from './http-cache.js';
import type { DownloadSlots } from './download-slots.js';
import { BlobSender, IMMUTABLE } from './blob-sender.js';

export { IMMUTABLE } from './blob-sender.js';
/**
 * timestamp.json changes with every publish: caches may keep it briefly and must then
 * revalidate (cheap: a 304 by ETag). This bounds how late a device or CDN sees a release.
 */
export const TIMESTAMP_CACHE_CONTROL = 'public, max-age=10, must-revalidate';
/** Route patterns: the repository layout with the app as a parameter. */
const REPO = `/${repositoryPath(':appId')}`;

/** The 404 body for a repository path (also built by the raw check path, http/check-answers.ts). */
export function notHereBody(what: string): { error: { code: 'not-found'; message: string } } {
  return { error: { code: 'not-found', message: `${what} does not exist in this repository` } };
}

/** Errors are never cached: a miss may become a hit later (N+1.root.json after a rotation). */
export const ERROR_CACHE_CONTROL = 'no-store';

function notHere(reply: FastifyReply, what: string): FastifyReply {
  return reply.code(404).send(notHereBody(what));
}

const toBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The static TUF repository devices read (docs/protocol.md §1), unauthenticated. It serves
 * exactly the layout `updraft export` writes, so a CDN or a plain folder can replace it.
 *
 * Cost of one anonymous request, whatever its URL: a few indexed lookups (app, blob
 * ownership, blob size, the latest director and releases versions) and then either a 304, a
 * 404, a cached encoded variant, or the stored bytes streamed in 64 KiB chunks with their
 * Content-Length, after taking a download slot (at most 8 per network source and 128 in all
 * by default, the rest wait up to 10 s or get 429/503 with Retry-After: http/download-slots.ts).
 * Only the app's small JSON documents (metadata, and the targets its signed
 * releases and director name, at their signed length, or a dropped release's recorded
 * manifest) may be compressed: which targets those are comes from the signed metadata (parsed
 * once per version, SignedTargets) and the release records, never from the URL alone, so a
 * release file asked for under a manifest name streams like any file. Making a
 * variant reads the document whole, and EncodedVariants bounds that (≤ 8 MiB, one at a time,
 * off the event loop, made once).
 */
export const repositoryRoutes: FastifyPluginAsyncJsonSchemaToTs<{
  Options: { services: Services; downloads: DownloadSlots };
}> = async (app, { services, downloads }) => {
  const repo = services.repository;
  const blobs = new BlobSender(repo, downloads, { signedDocumentsOnly: true });

  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode >= 400) void reply.header('cache-control', ERROR_CACHE_CONTROL);
    return payload;
  });

  /** A metadata document (in memory already). */
  const sendDocument = async (
    request: FastifyRequest,
    reply: FastifyReply,
    doc: { bytes: Uint8Array; sha256: string },
    cacheControl: string,
  ): Promise<FastifyReply> => {
    const bytes = async () => doc.bytes;
    const answered = await blobs.sendEncodable(
      request,
      reply,
      { sha256: doc.sha256, length: doc.bytes.length, bytes },
      cacheControl,
      'application/json',
    );
    return answered ? reply : reply.header('etag', etagFor(doc.sha256)).send(toBuffer(doc.bytes));
  };

  app.get(
    `${REPO}/${repoPaths.timestamp()}`,
    { schema: { tags: ['devices'], summary: 'The latest timestamp metadata', ...repositoryApi.timestamp } },
    async (request, reply) => {
      const doc = await repo.timestamp(request.params.appId);
      return doc ? sendDocument(request, reply, doc, TIMESTAMP_CACHE_CONTROL) : notHere(reply, TIMESTAMP_FILE);
    },
  );

  app.get(
    `${REPO}/${METADATA_FOLDER}/:file`,
    {
      schema: {
        tags: ['devices'],
        summary: 'Versioned metadata: <N>.<role>.json',
        ...repositoryApi.versionedMetadata,
      },
    },
    async (request, reply) => {
      const file = parseMetadataFileName(request.params.file);
      if (!file) return notHere(reply, request.params.file);
      const doc = await repo.metadata(request.params.appId, file.role, file.version);
      return doc ? sendDocument(request, reply, doc, IMMUTABLE) : notHere(reply, request.params.file);
    },
  );

  const targetSchema = {
    tags: ['devices'],
    summary: 'A manifest or file of this app, by hash (consistent-snapshot name)',
    ...repositoryApi.target,
  } as const;

  // Declared before the GET so Fastify does not derive a HEAD that reads the whole file.
  app.head(`${REPO}/${TARGETS_FOLDER}/*`, { schema: targetSchema }, async (request, reply) => {
    const sha256 = await repo.targetBlob(request.params.appId, request.params['*']);
    const length = sha256 ? await repo.blobLength(sha256) : null;
    if (sha256 === null || length === null) return notHere(reply, repoPaths.targets(request.params['*']));
    return reply
      .header('cache-control', IMMUTABLE)
      .header('etag', etagFor(sha256))
      .header('accept-ranges', 'bytes')
      .header('content-length', length)
      .type('application/octet-stream')
      .send();
  });

  app.get(`${REPO}/${TARGETS_FOLDER}/*`, { schema: targetSchema }, async (request, reply) => {
    const { appId } = request.params;
    const path = request.params['*'];
    const sha256 = await repo.targetBlob(appId, path);
    if (!sha256) return notHere(reply, repoPaths.targets(path));
    return blobs.send(request, reply, appId, path, sha256, 'application/octet-stream');
  });
};
