import { metadataFileName, ROOT_ROLE } from '@updraft/protocol';
import type { RepositoryService, ServedMetadata } from '../domain/repository-service.js';
import { COMPRESS_MIN_BYTES, etagFor, notModified } from './http-cache.js';
import { ERROR_CACHE_CONTROL, notHereBody, TIMESTAMP_CACHE_CONTROL } from './repository-routes.js';

/** The two complete responses for one timestamp document, for the second they were built in. */
interface Responses {
  date: string;
  etag: string;
  ok: Buffer;
  notModified: Buffer;
}

/** Past this many distinct 404s in one second the memo starts over. */
const MAX_MISSING_ROOTS = 10_000;

/**
 * Complete HTTP/1.1 responses to a device's no-update check, built from the repository's
 * cached timestamp.json and root version: the same status, headers and bytes as the Fastify
 * routes in http/repository-routes.ts (a test compares them), rebuilt at most once a second for
 * the Date header, so answering a check is a map lookup and one socket write.
 */
export class CheckAnswers {
  private readonly built = new WeakMap<ServedMetadata, Responses>();
  /** 404s for roots that do not exist yet, by "<appId>/<version>", for the current Date. */
  private missingRoots = new Map<string, Buffer>();
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

  /**
   * The answer to `<version>.root.json`: a 404 when the app's newest root is older, which is
   * what the root walk asks for at every check (TUF §5.3); null when the root exists or the
   * app is unknown (the full route serves those); undefined when nothing fresh is cached.
   */
  rootAnswer(appId: string, version: number): Buffer | null | undefined {
    const newest = this.repo.peekRootVersion(appId);
    if (newest === undefined || newest === null) return newest;
    if (version <= newest) return null;
    const date = this.httpDate();
    if (this.missingRoots.size >= MAX_MISSING_ROOTS) this.missingRoots = new Map();
    const key = `${appId}/${version}`;
    let answer = this.missingRoots.get(key);
    if (!answer) {
      const body = Buffer.from(JSON.stringify(notHereBody(metadataFileName(ROOT_ROLE, version))));
      answer = Buffer.concat([
        Buffer.from(
          `HTTP/1.1 404 Not Found\r\ncache-control: ${ERROR_CACHE_CONTROL}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${body.length}\r\ndate: ${date}\r\n\r\n`,
          'latin1',
        ),
        body,
      ]);
      this.missingRoots.set(key, answer);
    }
    return answer;
  }

  /** Loads the app's current timestamp and root version into the repository's cache (a database read). */
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
      this.missingRoots = new Map();
      this.date = new Date(second * 1000).toUTCString();
    }
    return this.date;
  }
}
