/**
 * HTTP caching and content negotiation for the repository routes: strong ETags from the
 * SHA-256 that names every file, conditional GETs, byte ranges and gzip/br. Hashes in the
 * metadata are always over the decoded bytes; encodings only change what travels.
 */

export type Encoding = 'br' | 'gzip';

/** Below this, compression saves less than its headers cost. */
export const COMPRESS_MIN_BYTES = 1024;

/** One representation per encoding, so each gets its own strong validator. */
export function etagFor(sha256: string, encoding: Encoding | null = null): string {
  return encoding ? `"${sha256}-${encoding}"` : `"${sha256}"`;
}

/**
 * True when If-None-Match names this content in any encoding (or is `*`). All variants of a
 * hash-named resource are fixed by the hash, so a client holding any of them is up to date.
 */
export function notModified(ifNoneMatch: string | undefined, sha256: string): boolean {
  if (!ifNoneMatch) return false;
  for (const raw of ifNoneMatch.split(',')) {
    const tag = raw.trim().replace(/^W\//, '');
    if (tag === '*') return true;
    const opaque = tag.replace(/^"|"$/g, '');
    if (opaque === sha256 || opaque === `${sha256}-br` || opaque === `${sha256}-gzip`) return true;
  }
  return false;
}

/** The client's preferred encoding we offer (br over gzip), honouring q=0 refusals. */
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const quality = (enc: Encoding) => accepted.get(enc) ?? (accepted.has('*') ? accepted.get('*')! : 0);
  const br = quality('br');
  const gzip = quality('gzip');
  if (br <= 0 && gzip <= 0) return null;
  return br >= gzip ? 'br' : 'gzip';
}

export type RangeResult = { start: number; end: number } | 'unsatisfiable' | null;

/**
 * One `bytes=` range of a resource of `length` bytes (RFC 9110 §14). Null means "ignore it and
 * send everything": no header, a syntax we do not serve (several ranges), or an If-Range that
 * names another version.
 */
export function parseRange(
  header: string | undefined,
  length: number,
  ifRange: string | undefined,
  etag: string,
): RangeResult {
  if (!header) return null;
  if (ifRange !== undefined && ifRange.trim() !== etag) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return null;
  let start: number;
  let end: number;
  if (match[1] === '') {
    // Suffix range: the last N bytes.
    const n = Number(match[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, length - n);
    end = length - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? length - 1 : Math.min(Number(match[2]), length - 1);
    if (match[2] !== '' && Number(match[2]) < start) return null;
  }
  if (start >= length || length === 0) return 'unsatisfiable';
  return { start, end };
}

/** Formats whose bytes are already compressed: encoding them again only burns CPU. */
export function looksCompressed(head: Uint8Array): boolean {
  const b = head;
  const ascii = (at: number, text: string) =>
    b.length >= at + text.length && [...text].every((c, i) => b[at + i] === c.charCodeAt(0));
  return (
    (b[0] === 0x89 && ascii(1, 'PNG')) ||
    (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) || // JPEG
    ascii(0, 'GIF8') ||
    (ascii(0, 'RIFF') && ascii(8, 'WEBP')) ||
    (b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04) || // zip, apk, jar
    (b[0] === 0x1f && b[1] === 0x8b) || // gzip
    (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) || // zstd
    ascii(0, 'wOFF') ||
    ascii(0, 'wOF2') ||
    ascii(4, 'ftyp') || // mp4, mov, heic, avif
    ascii(0, 'OggS') ||
    ascii(0, 'ID3') ||
    (b[0] === 0x37 && b[1] === 0x7a && b[2] === 0xbc && b[3] === 0xaf) // 7z
  );
}
