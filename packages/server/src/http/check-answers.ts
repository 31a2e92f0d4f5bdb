import type { RepositoryService, ServedMetadata } from '../services/repository.js';
import { COMPRESS_MIN_BYTES, etagFor, notModified } from '../routes/http-cache.js';
import { TIMESTAMP_CACHE_CONTROL } from '../routes/repository.js';

/** The two complete responses for one timestamp document, for the second they were built in. */
interface Responses {
  date: string;
  etag: string;
  ok: Buffer;
  notModified: Buffer;
}

/**
 * Complete HTTP/1.1 responses to a device's no-update check, built from the repository's
 * cached timestamp.json: the same status, headers and bytes as the Fastify route in
 * routes/repository.ts (a test compares them), rebuilt at most once a second for the Date
 * header, so answering a check is a map lookup and one socket write.
 */
export class CheckAnswers {
  private readonly built = new WeakMap<ServedMetadata, Responses>();
  private dateSecond = -1;
  private date = '';

  constructor(
    private readonly repo: RepositoryService,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * The response bytes; null when only the full route may answer (an unknown app, a document
   * large enough to be worth compressing); undefined when the cache holds nothing fresh.
   */
  answer(appId: string, ifNoneMatch: string | undefined): Buffer | null | undefined {
    const doc = this.repo.peekTimestamp(appId);
    if (!doc) return doc;
    if (doc.bytes.length >= COMPRESS_MIN_BYTES) return null;
    const responses = this.responsesFor(doc);
    // The device sends back exactly the ETag it got: compare that before parsing a list.
    const current = ifNoneMatch === responses.etag || notModified(ifNoneMatch, doc.sha256);
    return current ? responses.notModified : responses.ok;
  }

  /** Loads the app's current timestamp into the repository's cache (a database read). */
  async refresh(appId: string): Promise<void> {
    await this.repo.timestamp(appId);
  }

  private responsesFor(doc: ServedMetadata): Responses {
    const date = this.httpDate();
    let r = this.built.get(doc);
    if (r?.date !== date) {
      const body = Buffer.from(doc.bytes.buffer, doc.bytes.byteOffset, doc.bytes.byteLength);
      const etag = etagFor(doc.sha256);
      const common = `cache-control: ${TIMESTAMP_CACHE_CONTROL}\r\netag: ${etag}\r\ndate: ${date}\r\n`;
      r = {
        date,
        etag,
        ok: Buffer.concat([
          Buffer.from(
            `HTTP/1.1 200 OK\r\n${common}content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
            'latin1',
          ),
          body,
        ]),
        notModified: Buffer.from(`HTTP/1.1 304 Not Modified\r\n${common}\r\n`, 'latin1'),
      };
      this.built.set(doc, r);
    }
    return r;
  }

  private httpDate(): string {
    const now = this.clock();
    const second = Math.floor(now / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.date = new Date(second * 1000).toUTCString();
    }
    return this.date;
  }
}
