import { bytesToHex, concatBytes, utf8Decode, utf8Encode } from '../encoding.js';
import { LOG_ENTRIES_LEVEL, LOG_LEAF_FOLDER, LOG_TILE_FOLDER } from '../repository-layout.js';
import { HASH_SIZE, rootFromLeafHashes } from './merkle.js';

/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the log's Merkle tree as static files.
 * A tile at level L holds up to 256 consecutive hashes of level 8·L of the tree (level 0 =
 * leaf hashes, level 1 = roots of 256-leaf subtrees, …); entry bundles hold the entries
 * themselves. A full tile never changes; the rightmost tile of a level is partial
 * (`.p/<width>`) until 256 hashes exist there.
 */

/** Tile height: each tile is 2^8 = 256 hashes or entries wide. */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** The largest level a tree of up to 2^53 leaves needs (and the spec allows 0..63). */
const MAX_LEVEL = 63;

/** A hash tile (`level` ≥ 0) or, with `level` = 'entries', an entry bundle. */
export interface Tile {
  level: number | typeof LOG_ENTRIES_LEVEL;
  /** Tile index N within its level. */
  index: number;
  /** 1..256; 256 is a full tile. */
  width: number;
}

/** How many hashes of tile level `level` a tree of `size` leaves has (entries count as level 0). */
export function hashesAtLevel(size: number, level: number): number {
  return Math.floor(size / 2 ** (TILE_HEIGHT * level));
}

function encodeIndex(n: number): string {
  const digits = String(n);
  const padded = digits.padStart(Math.ceil(digits.length / 3) * 3, '0');
  const groups = padded.match(/.{3}/g)!;
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, relative to the log's base URL. */
export function tilePath(tile: Tile): string {
  assertTile(tile);
  const partial = tile.width < TILE_WIDTH ? `.p/${tile.width}` : '';
  return `${LOG_TILE_FOLDER}/${tile.level}/${encodeIndex(tile.index)}${partial}`;
}

function assertTile(tile: Tile): void {
  const levelOk =
    tile.level === LOG_ENTRIES_LEVEL ||
    (Number.isSafeInteger(tile.level) && tile.level >= 0 && tile.level <= MAX_LEVEL);
  if (!levelOk || !Number.isSafeInteger(tile.index) || tile.index < 0) throw new RangeError('not a tile');
  if (!Number.isSafeInteger(tile.width) || tile.width < 1 || tile.width > TILE_WIDTH) {
    throw new RangeError('a tile is 1 to 256 wide');
  }
}

// The layout's names are plain letters: nothing in them needs escaping here.
const TILE_REST = new RegExp(
  `^(${LOG_ENTRIES_LEVEL}|0|[1-9][0-9]?)\\/((?:x[0-9]{3}\\/)*[0-9]{3})(?:\\.p\\/([1-9][0-9]{0,2}))?$`,
);

/**
 * Parses the part of a tile path after `tile/`: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`.
 * Only the canonical spelling is accepted (so one tile has one name); null otherwise.
 */
export function parseTilePath(rest: string): Tile | null {
  const m = TILE_REST.exec(rest);
  if (!m) return null;
  const level: Tile['level'] = m[1] === LOG_ENTRIES_LEVEL ? LOG_ENTRIES_LEVEL : Number(m[1]);
  const index = Number(m[2]!.replace(/x|\//g, ''));
  const width = m[3] === undefined ? TILE_WIDTH : Number(m[3]);
  if (
    !Number.isSafeInteger(index) ||
    (m[3] !== undefined && width >= TILE_WIDTH) ||
    (level !== LOG_ENTRIES_LEVEL && level > MAX_LEVEL)
  )
    return null;
  const tile: Tile = { level, index, width };
  return `${tilePath(tile).slice(`${LOG_TILE_FOLDER}/`.length)}` === rest ? tile : null;
}

/** Whether the tile lies within a tree of `size` leaves (a partial tile narrower than today's is fine). */
export function tileInTree(tile: Tile, size: number): boolean {
  const level = tile.level === LOG_ENTRIES_LEVEL ? 0 : tile.level;
  return tile.index * TILE_WIDTH + tile.width <= hashesAtLevel(size, level);
}

/** Every hash tile and entry bundle of a tree of `size` leaves: all full tiles and the partial tiles of this size. */
export function tilesForSize(size: number): Tile[] {
  const out: Tile[] = [];
  for (let level = 0; ; level++) {
    const count = hashesAtLevel(size, level);
    if (count === 0) break;
    const widths = tileWidths(count);
    for (let n = 0; n < widths.length; n++) {
      out.push({ level, index: n, width: widths[n]! });
      if (level === 0) out.push({ level: LOG_ENTRIES_LEVEL, index: n, width: widths[n]! });
    }
  }
  return out;
}

function tileWidths(count: number): number[] {
  const widths: number[] = new Array<number>(Math.floor(count / TILE_WIDTH)).fill(TILE_WIDTH);
  if (count % TILE_WIDTH !== 0) widths.push(count % TILE_WIDTH);
  return widths;
}

/** The hashes of one hash tile, computed from the leaf hashes of a tree at least that large. */
export function hashTileData(leafHashes: readonly Uint8Array[], tile: Tile): Uint8Array {
  if (tile.level === LOG_ENTRIES_LEVEL) throw new RangeError('an entry bundle is not a hash tile');
  if (!tileInTree(tile, leafHashes.length)) throw new RangeError('the tile is beyond the tree');
  const span = 2 ** (TILE_HEIGHT * tile.level);
  const hashes: Uint8Array[] = [];
  for (let j = tile.index * TILE_WIDTH; j < tile.index * TILE_WIDTH + tile.width; j++) {
    hashes.push(rootFromLeafHashes(leafHashes, j * span, (j + 1) * span));
  }
  return concatBytes(...hashes);
}

/**
 * Every hash tile of the tree over `leafHashes` (full tiles and the partial tiles of this
 * size), computed level by level in one pass: what a static export writes.
 */
export function allHashTiles(leafHashes: readonly Uint8Array[]): { tile: Tile; data: Uint8Array }[] {
  const out: { tile: Tile; data: Uint8Array }[] = [];
  let level: readonly Uint8Array[] = leafHashes;
  for (let l = 0; level.length > 0; l++) {
    const widths = tileWidths(level.length);
    const next: Uint8Array[] = [];
    for (let n = 0; n < widths.length; n++) {
      const hashes = level.slice(n * TILE_WIDTH, n * TILE_WIDTH + widths[n]!);
      out.push({ tile: { level: l, index: n, width: widths[n]! }, data: concatBytes(...hashes) });
      if (widths[n] === TILE_WIDTH) next.push(rootFromLeafHashes(hashes));
    }
    level = next;
  }
  return out;
}

/** Splits a hash tile's bytes into its hashes; null when the length is not `width` hashes. */
export function splitHashTile(data: Uint8Array, width: number): Uint8Array[] | null {
  if (data.length !== width * HASH_SIZE) return null;
  const out: Uint8Array[] = [];
  for (let i = 0; i < width; i++) out.push(data.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return out;
}

/** An entry bundle: each entry as a 2-byte big-endian length and its bytes. */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (entries.length > TILE_WIDTH) throw new RangeError('an entry bundle holds at most 256 entries');
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (e.length > 0xffff) throw new RangeError('a log entry in a bundle is at most 65535 bytes');
    parts.push(Uint8Array.of(e.length >> 8, e.length & 0xff), e);
  }
  return concatBytes(...parts);
}

/** The entries of a bundle; null when it is not a well-formed bundle. */
export function decodeEntryBundle(data: Uint8Array): Uint8Array[] | null {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < data.length) {
    if (at + 2 > data.length || out.length === TILE_WIDTH) return null;
    const length = (data[at]! << 8) | data[at + 1]!;
    if (at + 2 + length > data.length) return null;
    out.push(data.subarray(at + 2, at + 2 + length));
    at += 2 + length;
  }
  return out;
}

/**
 * Leaf-index hints, an Updraft addition beside the tiles: `leaf/<hex leaf hash>` holds the
 * decimal index of that leaf, so a device finds its entry in one fetch however long the log
 * has grown. A hint is not trusted: the device reads the leaf hash at that index from
 * authenticated tiles and ignores a hint that does not match (TileHashReader.locateLeaf).
 */
export function leafHintPath(leafHash: Uint8Array): string {
  return `${LOG_LEAF_FOLDER}/${bytesToHex(leafHash)}`;
}

export function encodeLeafHint(index: number): Uint8Array {
  return utf8Encode(String(index));
}

/** The index a hint names, or null for anything but a plain decimal integer. */
export function parseLeafHint(bytes: Uint8Array | null): number | null {
  if (bytes === null || bytes.length === 0 || bytes.length > 16) return null;
  let text: string;
  try {
    text = utf8Decode(bytes).trim();
  } catch {
    return null;
  }
  if (!/^(0|[1-9][0-9]{0,14})$/.test(text)) return null;
  return Number(text);
}
