import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RepositoryService, ServedMetadata } from '../services/repository.js';
import { COMPRESS_MIN_BYTES, etagFor, notModified } from './http-cache.js';
import { TIMESTAMP_CACHE_CONTROL } from './repository.js';

const TIMESTAMP_URL = /^\/repo\/([A-Za-z0-9][A-Za-z0-9._-]{0,127})\/metadata\/timestamp\.json$/;

interface Prepared {
  body: Buffer;
  sha256: string;
  ok: Record<string, string | number>;
  notModified: Record<string, string>;
}

/**
 * The device's no-update check (GET timestamp.json, usually with If-None-Match) answered
 * straight from the Node request handler while the timestamp is in the repository's cache:
 * no routing, validation or hooks, no I/O, the same headers and bytes as the Fastify route.
 * Everything else, and every cache miss, goes to Fastify, which also fills the cache.
 * Returns true when it answered.
 */
export function createFastTimestampHandler(
  repo: RepositoryService,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const prepared = new WeakMap<ServedMetadata, Prepared>();
  const prepare = (doc: ServedMetadata): Prepared => {
    let p = prepared.get(doc);
    if (!p) {
      const body = Buffer.from(doc.bytes.buffer, doc.bytes.byteOffset, doc.bytes.byteLength);
      const etag = etagFor(doc.sha256);
      p = {
        body,
        sha256: doc.sha256,
        ok: {
          'cache-control': TIMESTAMP_CACHE_CONTROL,
          etag,
          'content-type': 'application/json',
          'content-length': body.length,
        },
        notModified: { 'cache-control': TIMESTAMP_CACHE_CONTROL, etag },
      };
      prepared.set(doc, p);
    }
    return p;
  };

  return (req, res) => {
    if (req.method !== 'GET' || !req.url || req.url.length > 180) return false;
    const match = TIMESTAMP_URL.exec(req.url);
    if (!match) return false;
    const doc = repo.peekTimestamp(match[1]!);
    // A miss, an unknown app or a timestamp big enough to compress: the full route decides.
    if (!doc || doc.bytes.length >= COMPRESS_MIN_BYTES) return false;
    const p = prepare(doc);
    if (notModified(req.headers['if-none-match'], p.sha256)) {
      res.writeHead(304, p.notModified);
      res.end();
    } else {
      res.writeHead(200, p.ok);
      res.end(p.body);
    }
    return true;
  };
}
