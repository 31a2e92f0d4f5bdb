import { test } from 'node:test';
import assert from 'node:assert/strict';
import { utf8Encode } from '../src/index.js';
import {
  allHashTiles,
  encodeEntryBundle,
  exportLogTiles,
  hashLeaf,
  leafHintPath,
  parseLeafHint,
  tilePath,
  type LogFileKind,
  type LogTileSource,
  type Tile,
} from '../src/transparency/transparency.js';

// The one tile exporter (server static export and `refresh --out`): what it writes, in what order.

const ENTRIES = Array.from({ length: 600 }, (_, i) => utf8Encode(`entry ${i}`));
const LEAVES = ENTRIES.map((e) => hashLeaf(e));

function source(size: number, served: string[] = []): LogTileSource {
  const tiles = new Map(allHashTiles(LEAVES.slice(0, size)).map(({ tile, data }) => [tilePath(tile), data]));
  return {
    size,
    tile: async (tile: Tile) => {
      served.push(tilePath(tile));
      if (tile.level !== 'entries') return tiles.get(tilePath(tile))!;
      return encodeEntryBundle(ENTRIES.slice(tile.index * 256, tile.index * 256 + tile.width));
    },
    checkpoint: async () => utf8Encode(`checkpoint ${size}\n`),
  };
}

function folder() {
  const files = new Map<string, { body: Uint8Array; kind: LogFileKind }>();
  const order: string[] = [];
  return {
    files,
    order,
    writer: {
      exists: async (path: string) => files.has(path),
      once: async (path: string, body: Uint8Array, kind: LogFileKind) => {
        if (files.has(path)) return false;
        files.set(path, { body, kind });
        order.push(path);
        return true;
      },
      always: async (path: string, body: Uint8Array, kind: LogFileKind) => {
        files.set(path, { body, kind });
        order.push(path);
      },
    },
  };
}

test('every tile, entry bundle and leaf hint of the tree, then the checkpoint last', async () => {
  const out = folder();
  const written = await exportLogTiles(source(300), out.writer);
  for (const path of ['tile/0/000', 'tile/0/001.p/44', 'tile/1/000.p/1', 'tile/entries/000', 'tile/entries/001.p/44'])
    assert.ok(out.files.has(path), path);
  assert.equal(out.order.at(-1), 'checkpoint');
  assert.deepEqual(written, out.order);
  const hint = out.files.get(leafHintPath(LEAVES[299]!))!;
  assert.equal(parseLeafHint(hint.body), 299);
  assert.equal(out.files.get('tile/0/000')!.kind.immutable, true);
  assert.equal(out.files.get('tile/0/001.p/44')!.kind.immutable, false);
  assert.equal(out.files.get('checkpoint')!.kind.immutable, false);
  // Hints come before the tile that brings their leaves: a tile that is there has its hints.
  assert.ok(out.order.indexOf(leafHintPath(LEAVES[0]!)) < out.order.indexOf('tile/0/000'));
});

test('a second export reads and writes only what is new', async () => {
  const out = folder();
  await exportLogTiles(source(300), out.writer);
  const written = await exportLogTiles(source(301), out.writer);
  const again: string[] = [];
  await exportLogTiles(source(301, again), out.writer);
  assert.ok(!written.includes('tile/0/000') && !written.includes('tile/entries/000'), 'full tiles stay');
  assert.ok(written.includes('tile/0/001.p/45') && written.includes(leafHintPath(LEAVES[300]!)));
  assert.deepEqual(again, [], 'the same tree again: no tile is read');
});

test('nothing is written for an empty log, and a hash tile of the wrong length is refused', async () => {
  const out = folder();
  assert.deepEqual(await exportLogTiles(source(0), out.writer), []);
  assert.equal(out.files.size, 0);
  const short = { ...source(10), tile: async () => new Uint8Array(31) };
  await assert.rejects(exportLogTiles(short, out.writer), /is not 10 hashes/);
  assert.ok(!out.files.has('checkpoint'));
});
