import { bytesEqual } from '../encoding.js';
import { UpdraftError } from '../errors.js';
import { HASH_SIZE, hashChildren, rootFromLeafHashes } from './merkle.js';
import { hashesAtLevel, splitHashTile, TILE_HEIGHT, TILE_WIDTH, tilePath, type Tile } from './tiles.js';

/**
 * Inclusion and consistency proofs (RFC 9162) computed on the device from the log's tiles,
 * which any static host can serve. The host is not trusted: every tile is authenticated
 * before one of its hashes is used. The partial tiles of the tree's size must hash to the
 * checkpoint's root; a full tile must hash to its entry in the tile one level up, itself
 * authenticated the same way. A wrong tile therefore makes the check fail; it can never
 * yield a proof that passes.
 */

/** Fetches a tile by its path (`tile/…`); null when the host does not have it. */
export type ReadTile = (path: string) => Promise<Uint8Array | null>;

function fail(message: string): never {
  throw new UpdraftError('transparency', message);
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Reads hashes of one tree (size, root) from tiles, each tile authenticated before use. */
export class TileHashReader {
  /** Authenticated tiles' hashes by `level/index`. */
  private readonly tiles = new Map<string, Uint8Array[]>();
  private started: Promise<void> | null = null;

  constructor(
    readonly size: number,
    private readonly rootHash: Uint8Array,
    private readonly readTile: ReadTile,
  ) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError('a tree read from tiles has at least one leaf');
    if (rootHash.length !== HASH_SIZE) throw new RangeError('a root hash is 32 bytes');
  }

  private widthOf(level: number, index: number): number {
    const count = hashesAtLevel(this.size, level);
    return (index + 1) * TILE_WIDTH <= count ? TILE_WIDTH : count - index * TILE_WIDTH;
  }

  /** Fetches a tile's hashes (a partial tile the host lacks is read as the prefix of its full tile). */
  private async fetchTile(tile: Tile): Promise<Uint8Array[]> {
    let data = await this.readTile(tilePath(tile));
    if (data === null && tile.width < TILE_WIDTH) {
      const full = await this.readTile(tilePath({ ...tile, width: TILE_WIDTH }));
      if (full !== null && full.length === TILE_WIDTH * HASH_SIZE) data = full.subarray(0, tile.width * HASH_SIZE);
    }
    if (data === null) fail(`the log host has no ${tilePath(tile)}`);
    const hashes = splitHashTile(data, tile.width);
    if (!hashes) fail(`${tilePath(tile)} is ${data.length} bytes, not ${tile.width} hashes`);
    return hashes;
  }

  /** Reads the partial tiles of this size and checks that they hash to the root. */
  private authenticateRightEdge(): Promise<void> {
    this.started ??= (async () => {
      const edge: Tile[] = [];
      for (let level = 0; hashesAtLevel(this.size, level) > 0; level++) {
        const count = hashesAtLevel(this.size, level);
        if (count % TILE_WIDTH !== 0)
          edge.push({ level, index: Math.floor(count / TILE_WIDTH), width: count % TILE_WIDTH });
      }
      const data = await Promise.all(edge.map((t) => this.fetchTile(t)));
      // The tree's complete subtrees, largest (leftmost) first: higher levels' partial tiles
      // come first, and within a tile the binary decomposition of its width.
      const subtrees: Uint8Array[] = [];
      for (let i = edge.length - 1; i >= 0; i--) {
        const hashes = data[i]!;
        let at = 0;
        for (let bit = TILE_WIDTH / 2; bit >= 1; bit /= 2) {
          if ((hashes.length & bit) === 0) continue;
          subtrees.push(rootFromLeafHashes(hashes, at, at + bit));
          at += bit;
        }
      }
      let root = subtrees[subtrees.length - 1]!;
      for (let i = subtrees.length - 2; i >= 0; i--) root = hashChildren(subtrees[i]!, root);
      if (!bytesEqual(root, this.rootHash)) {
        fail(`the log's tiles for tree size ${this.size} do not hash to the checkpoint root`);
      }
      edge.forEach((t, i) => this.tiles.set(`${t.level as number}/${t.index}`, data[i]!));
    })();
    return this.started;
  }

  /** The authenticated hashes of tile (level, index) of this tree. */
  private async tile(level: number, index: number): Promise<Uint8Array[]> {
    await this.authenticateRightEdge();
    const cached = this.tiles.get(`${level}/${index}`);
    if (cached) return cached;
    // Not on the right edge, so a full tile whose hash is one entry of its parent tile.
    const parent = await this.nodeHash(TILE_HEIGHT * (level + 1), index);
    const hashes = await this.fetchTile({ level, index, width: TILE_WIDTH });
    if (!bytesEqual(rootFromLeafHashes(hashes), parent)) {
      fail(`${tilePath({ level, index, width: TILE_WIDTH })} does not match its parent tile`);
    }
    this.tiles.set(`${level}/${index}`, hashes);
    return hashes;
  }

  /** The hash of the complete subtree of 2^height leaves starting at leaf index·2^height. */
  async nodeHash(height: number, index: number): Promise<Uint8Array> {
    const level = Math.floor(height / TILE_HEIGHT);
    const span = 2 ** (height - level * TILE_HEIGHT);
    const first = index * span;
    if (first + span > hashesAtLevel(this.size, level)) throw new RangeError('no such node in the tree');
    const tileIndex = Math.floor(first / TILE_WIDTH);
    const hashes = await this.tile(level, tileIndex);
    if (hashes.length !== this.widthOf(level, tileIndex)) throw new RangeError('tile width mismatch');
    const at = first % TILE_WIDTH;
    return rootFromLeafHashes(hashes, at, at + span);
  }

  /** MTH of leaves [start, end): a complete subtree, or (at the right edge) split as RFC 9162 does. */
  async rangeHash(start: number, end: number): Promise<Uint8Array> {
    const n = end - start;
    if (isPowerOfTwo(n) && start % n === 0) return this.nodeHash(Math.round(Math.log2(n)), start / n);
    if (n < 2) throw new RangeError('empty range');
    const k = splitPoint(n);
    return hashChildren(await this.rangeHash(start, start + k), await this.rangeHash(start + k, end));
  }

  /**
   * The index of a leaf hash: the host's hint (leafHintPath) when the authenticated tiles
   * confirm it, else a scan of the newest `maxTiles`·256 leaves; null when neither finds it.
   */
  async locateLeaf(leafHash: Uint8Array, hint: number | null, maxTiles: number): Promise<number | null> {
    if (hint !== null && Number.isSafeInteger(hint) && hint >= 0 && hint < this.size) {
      if (bytesEqual(await this.nodeHash(0, hint), leafHash)) return hint;
    }
    return this.findLeaf(leafHash, maxTiles);
  }

  /** The index of a leaf hash among the last `maxTiles`·256 leaves (newest first), or null. */
  async findLeaf(leafHash: Uint8Array, maxTiles: number): Promise<number | null> {
    const last = Math.floor((this.size - 1) / TILE_WIDTH);
    for (let n = last; n >= 0 && n > last - maxTiles; n--) {
      const hashes = await this.tile(0, n);
      for (let i = hashes.length - 1; i >= 0; i--) {
        if (bytesEqual(hashes[i]!, leafHash)) return n * TILE_WIDTH + i;
      }
    }
    return null;
  }

  /** PATH(index, D[size]) of RFC 9162 §2.1.3.1. */
  async inclusionProof(index: number): Promise<Uint8Array[]> {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) throw new RangeError(`no leaf ${index}`);
    const path = async (m: number, start: number, end: number): Promise<Uint8Array[]> => {
      const n = end - start;
      if (n === 1) return [];
      const k = splitPoint(n);
      if (m < k) return [...(await path(m, start, start + k)), await this.rangeHash(start + k, end)];
      return [...(await path(m - k, start + k, end)), await this.rangeHash(start, start + k)];
    };
    return path(index, 0, this.size);
  }

  /** PROOF(from, D[size]) of RFC 9162 §2.1.4.1: the tree of size `from` is a prefix of this one. */
  async consistencyProof(from: number): Promise<Uint8Array[]> {
    if (!Number.isSafeInteger(from) || from < 0 || from > this.size) throw new RangeError(`no tree size ${from}`);
    if (from === 0 || from === this.size) return [];
    const sub = async (m: number, start: number, end: number, complete: boolean): Promise<Uint8Array[]> => {
      const n = end - start;
      if (m === n) return complete ? [] : [await this.rangeHash(start, end)];
      const k = splitPoint(n);
      if (m <= k) return [...(await sub(m, start, start + k, complete)), await this.rangeHash(start + k, end)];
      return [...(await sub(m - k, start + k, end, false)), await this.rangeHash(start, start + k)];
    };
    return sub(from, 0, this.size, true);
  }
}
