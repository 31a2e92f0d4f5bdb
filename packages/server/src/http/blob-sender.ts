import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendFileStream, takeDownloadSlot, type DownloadSlots } from './download-slots.js';
import type { RepositoryService } from '../domain/repository-service.js';
import { EncodedVariants } from './encoded-variants.js';
import { etagFor, negotiateEncoding, notModified, parseRange } from './http-cache.js';

/** Everything except timestamp.json is immutable under its name (consistent snapshots). */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

const missing = (reply: FastifyReply, what: string) =>
  reply.code(404).send({ error: { code: 'not-found', message: `${what} does not exist on this server` } });

/**
 * Sends immutable, content-addressed bytes of an app: what the TUF repository's targets and
 * the compatibility front doors' assets share. Every answer has a Content-Length and a strong
 * ETag; an encoded variant only for a signed document (never decided from the URL), when the
 * client accepts one and it shrinks the bytes (EncodedVariants bounds what making one may
 * cost); Range and a CDN's public URL as the blob store allows. A body streamed from the blob
 * store first takes a download slot (http/download-slots.ts): at most so many per network
 * source and in all, the rest wait briefly or get 429/503 with Retry-After; its bytes then go
 * at most at the source's rate (http/download-rate.ts), Range requests included.
 */
export class BlobSender {
  private readonly variants = new EncodedVariants();

  /**
   * `signedDocumentsOnly`: compress only what the app's signed releases or director names as a
   * document (the TUF repository's targets); otherwise any blob of 1 KiB–8 MiB that shrinks.
   */
  constructor(
    private readonly repo: RepositoryService,
    private readonly slots: DownloadSlots,
    private readonly opts: { signedDocumentsOnly?: boolean } = {},
  ) {}

  /**
   * Immutable-by-hash bytes held in memory or read whole (≤ COMPRESS_MAX_BYTES): answers a 304
   * or an encoded variant when one exists or can be made now (true), or answers nothing
   * (false): the caller sends the bytes as they are. A boolean, not the reply: a Fastify reply
   * is a thenable, so an async function returning it resolves to undefined once the response
   * ends, and the caller, seeing nothing answered, would send a second time.
   */
  async sendEncodable(
    request: FastifyRequest,
    reply: FastifyReply,
    doc: { sha256: string; length: number; bytes: () => Promise<Uint8Array | null> },
    cacheControl: string,
    type: string,
  ): Promise<boolean> {
    void reply.header('cache-control', cacheControl);
    const eligible = EncodedVariants.eligible(doc.length);
    const encoding = eligible ? negotiateEncoding(request.headers['accept-encoding']) : null;
    if (eligible) void reply.header('vary', 'Accept-Encoding');
    if (notModified(request.headers['if-none-match'], doc.sha256)) {
      const held = encoding !== null && this.variants.peek(doc.sha256, encoding) !== null;
      void reply
        .header('etag', etagFor(doc.sha256, held ? encoding : null))
        .code(304)
        .send();
      return true;
    }
    const body = encoding ? await this.variants.get(doc.sha256, doc.length, encoding, doc.bytes) : null;
    void reply.type(type);
    if (!body) return false;
    void reply.header('etag', etagFor(doc.sha256, encoding)).header('content-encoding', encoding).send(body);
    return true;
  }

  /** A blob of the app that `path` names (checked by the caller), as `type`. */
  async send(
    request: FastifyRequest,
    reply: FastifyReply,
    appId: string,
    path: string,
    sha256: string,
    type: string,
  ): Promise<FastifyReply> {
    const { repo } = this;
    const etag = etagFor(sha256);
    void reply.header('cache-control', IMMUTABLE);
    if (notModified(request.headers['if-none-match'], sha256)) return reply.header('etag', etag).code(304).send();

    const publicUrl = repo.publicUrl(sha256);
    if (publicUrl) return reply.header('location', publicUrl).code(302).send();

    const length = await repo.blobLength(sha256);
    if (length === null) return missing(reply, path);
    void reply.header('accept-ranges', 'bytes');

    const range = parseRange(request.headers.range, length, request.headers['if-range'] as string | undefined, etag);
    if (range === 'unsatisfiable') {
      return reply.header('content-range', `bytes */${length}`).code(416).send();
    }
    if (range) {
      if (await takeDownloadSlot(this.slots, request, reply)) return reply;
      const part = await repo.target(appId, path, range);
      if (!part) return missing(reply, path);
      void reply
        .code(206)
        .header('etag', etag)
        .header('content-range', `bytes ${range.start}-${range.end}/${length}`)
        .header('content-length', part.length)
        .type(type);
      return sendFileStream(this.slots, request, reply, part.stream);
    }

    // With signedDocumentsOnly, only a small JSON document that the app's signed releases or
    // director names (at its signed length), or a recorded release's manifest, may be
    // compressed; release files stream as they are.
    const encodable =
      EncodedVariants.eligible(length) &&
      (!this.opts.signedDocumentsOnly || (await repo.isSignedDocument(appId, sha256, length, path)));
    if (encodable) {
      const answered = await this.sendEncodable(
        request,
        reply,
        { sha256, length, bytes: () => repo.targetBytes(sha256) },
        IMMUTABLE,
        type,
      );
      if (answered) return reply;
    }

    if (await takeDownloadSlot(this.slots, request, reply)) return reply;
    const whole = await repo.target(appId, path);
    if (!whole) return missing(reply, path);
    void reply.header('etag', etag).header('content-length', whole.length).type(type);
    return sendFileStream(this.slots, request, reply, whole.stream);
  }
}
