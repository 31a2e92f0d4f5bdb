import { METADATA_FOLDER, REPOSITORY_FOLDER, ROOT_ROLE, TIMESTAMP_ROLE } from '@updraft/protocol';

/**
 * The requests the raw check path (check-front-door.ts) may answer itself: a device's
 * no-update check, `GET /repo/<appId>/metadata/timestamp.json`, and the root walk's request
 * for the next root that goes with it, `GET /repo/<appId>/metadata/<N>.root.json` (TUF §5.3,
 * usually a 404), in their plainest form.
 *
 * The parser is deliberately narrower than HTTP: it accepts only what it can judge with
 * certainty and returns null for everything else, which then goes to node:http's own parser
 * (llhttp) with the unread bytes untouched. So a request this path answers is one node:http
 * would read the same way, and anything that could frame a request differently (a body, a
 * Transfer-Encoding, folded or odd header lines, duplicate validators, HTTP/1.0, Upgrade,
 * Expect, a connection close) is never interpreted here — no request smuggling between the
 * two parsers.
 */

export interface CheckRequest {
  appId: string;
  /** The root version asked for; undefined for timestamp.json. */
  rootVersion: number | undefined;
  /** The If-None-Match value, when the device sent one (exactly one). */
  ifNoneMatch: string | undefined;
}

/** Longest request head this path reads; longer ones go to node:http (which allows 16 KiB). */
export const MAX_CHECK_HEAD_BYTES = 8 * 1024;
const MAX_HEADER_LINES = 64;

// The repository layout's names are plain letters: nothing in them needs escaping here.
const REQUEST_LINE = new RegExp(
  `^GET \\/${REPOSITORY_FOLDER}\\/([A-Za-z0-9][A-Za-z0-9._-]{0,127})\\/${METADATA_FOLDER}\\/` +
    `(?:${TIMESTAMP_ROLE}|([1-9][0-9]{0,9})\\.${ROOT_ROLE})\\.json HTTP\\/1\\.1$`,
);
/** Any byte outside visible ASCII, space, tab, CR and LF. */
const FORBIDDEN = /[^\x20-\x7e\t\r\n]/;
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers that change how a request is framed or handled: always node:http's business. */
const DEFER = new Set(['content-length', 'transfer-encoding', 'expect', 'upgrade', 'te', 'trailer', 'http2-settings']);

/**
 * `head` is the request line and header lines, without the terminating blank line, decoded
 * as latin1 (one char per byte, so any non-ASCII byte is refused).
 */
export function parseCheckRequest(head: string): CheckRequest | null {
  if (head.length > MAX_CHECK_HEAD_BYTES || FORBIDDEN.test(head)) return null;
  const lines = head.split('\r\n');
  if (lines.length > MAX_HEADER_LINES + 1) return null;
  const requestLine = REQUEST_LINE.exec(lines[0]!); // $ is end of input here: no m flag
  if (!requestLine) return null;
  let hosts = 0;
  let ifNoneMatch: string | undefined;
  let ifNoneMatchCount = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    // A CR or LF left after splitting on CRLF is a bare one: node:http may frame it differently.
    if (line.includes('\r') || line.includes('\n')) return null;
    // field-name ":" OWS field-value OWS (RFC 9112 §5): no space before the colon, no folding.
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    const name = line.slice(0, colon);
    if (!FIELD_NAME.test(name)) return null;
    const value = line.slice(colon + 1).trim();
    const lower = name.toLowerCase();
    switch (lower) {
      case 'host':
        hosts++;
        break;
      case 'connection':
        // keep-alive is the HTTP/1.1 default; close, upgrade or anything else: node:http decides.
        if (value.toLowerCase() !== 'keep-alive') return null;
        break;
      case 'if-none-match':
        ifNoneMatchCount++;
        ifNoneMatch = value;
        break;
      default:
        if (DEFER.has(lower)) return null;
    }
  }
  // HTTP/1.1 requires exactly one Host (RFC 9112 §3.2); node:http answers 400 otherwise.
  if (hosts !== 1 || ifNoneMatchCount > 1) return null;
  const rootVersion = requestLine[2] === undefined ? undefined : Number(requestLine[2]);
  return { appId: requestLine[1]!, rootVersion, ifNoneMatch };
}
