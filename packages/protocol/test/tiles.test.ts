import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpdraftError, utf8Encode } from '../src/index.js';
import {
  allHashTiles,
  consistencyProof,
  decodeEntryBundle,
  encodeEntryBundle,
  encodeLeafHint,
  hashLeaf,
  hashTileData,
  inclusionProof,
  leafHintPath,
  parseLeafHint,
  parseTilePath,
  rootFromLeafHashes,
  TileHashReader,
  tilePath,
  tilesForSize,
  verifyConsistency,
  verifyInclusion,
  type ReadTile,
} from '../src/transparency/transparency.js';

// C2SP tlog-tiles: paths, bundles, and proofs computed from tiles a hostile host serves.

const BIG = 65537;
const LEAVES: Uint8Array[] = Array.from({ length: BIG }, (_, i) => hashLeaf(utf8Encode(`entry ${i}`)));

/** A static host holding every tile of the tree of the first `size` leaves. */
function host(size: number): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  for (const { tile, data } of allHashTiles(LEAVES.slice(0, size))) files.set(tilePath(tile), data);
  return files;
}

function reader(size: number, files: Map<string, Uint8Array>, log: string[] = []): TileHashReader {
  const read: ReadTile = async (path) => {
    log.push(path);
    return files.get(path) ?? null;
  };
  return new TileHashReader(size, rootFromLeafHashes(LEAVES, 0, size), read);
}

async function rejectsTransparency(fn: () => Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof UpdraftError, String(err));
    assert.equal(err.reason, 'transparency');
    assert.match(err.message, message);
    return true;
  });
}

test('tile paths: 3-digit groups with x prefixes, .p/<width> for partial tiles, canonical spelling only', () => {
  assert.equal(tilePath({ level: 0, index: 0, width: 256 }), 'tile/0/000');
  assert.equal(tilePath({ level: 1, index: 1234067, width: 256 }), 'tile/1/x001/x234/067');
  assert.equal(tilePath({ level: 2, index: 1000, width: 5 }), 'tile/2/x001/000.p/5');
  assert.equal(tilePath({ level: 'entries', index: 67, width: 255 }), 'tile/entries/067.p/255');
  for (const t of [
    { level: 0, index: 0, width: 256 },
    { level: 3, index: 1234067, width: 1 },
    { level: 'entries' as const, index: 999, width: 17 },
  ]) {
    assert.deepEqual(parseTilePath(tilePath(t).slice('tile/'.length)), t);
  }
  for (const bad of [
    '0/x000/001',
    '0/1',
    '0/0001',
    '0/001.p/256',
    '0/001.p/0',
    '0/001.p/07',
    '64/000',
    '01/000',
    'x/000',
    '0/001/',
  ]) {
    assert.equal(parseTilePath(bad), null, bad);
  }
  assert.throws(() => tilePath({ level: 0, index: 0, width: 0 }), RangeError);
  assert.throws(() => tilePath({ level: -1, index: 0, width: 1 }), RangeError);
});

test('tilesForSize: full tiles and the partial tiles of the size, hash tiles and entry bundles', () => {
  assert.deepEqual(tilesForSize(1).map(tilePath), ['tile/0/000.p/1', 'tile/entries/000.p/1']);
  assert.deepEqual(tilesForSize(256).map(tilePath), ['tile/0/000', 'tile/entries/000', 'tile/1/000.p/1']);
  assert.deepEqual(tilesForSize(257).map(tilePath), [
    'tile/0/000',
    'tile/entries/000',
    'tile/0/001.p/1',
    'tile/entries/001.p/1',
    'tile/1/000.p/1',
  ]);
  const big = tilesForSize(BIG).map(tilePath);
  assert.equal(big.length, 256 + 1 + 256 + 1 + 1 + 1); // level 0 + entries, level 1 full, level 2 partial
  assert.ok(big.includes('tile/1/000') && big.includes('tile/2/000.p/1') && big.includes('tile/0/256.p/1'));
});

test('hashTileData (server, one tile) equals allHashTiles (export, one pass) for every tile', () => {
  for (const size of [1, 255, 256, 257, 700]) {
    for (const { tile, data } of allHashTiles(LEAVES.slice(0, size))) {
      assert.deepEqual(hashTileData(LEAVES.slice(0, size), tile), data, `${size} ${tilePath(tile)}`);
    }
  }
  const top = allHashTiles(LEAVES).find((t) => t.tile.level === 1)!;
  assert.deepEqual(hashTileData(LEAVES, top.tile), top.data);
  assert.throws(() => hashTileData(LEAVES.slice(0, 10), { level: 0, index: 0, width: 11 }), /beyond the tree/);
});

test('entry bundles: 2-byte big-endian length prefix per entry; malformed bundles are refused', () => {
  const entries = [utf8Encode('a'), new Uint8Array(0), new Uint8Array(300).fill(7)];
  const bundle = encodeEntryBundle(entries);
  assert.deepEqual([...bundle.subarray(0, 3)], [0, 1, 0x61]);
  assert.deepEqual([...bundle.subarray(5, 7)], [1, 44]);
  assert.deepEqual(decodeEntryBundle(bundle), entries);
  assert.equal(decodeEntryBundle(bundle.subarray(0, bundle.length - 1)), null);
  assert.equal(decodeEntryBundle(Uint8Array.of(0)), null);
  assert.throws(() => encodeEntryBundle([new Uint8Array(65536)]), RangeError);
});

test('proofs from tiles equal merkle.ts proofs and verify, for tree sizes 1, 2, 255, 256, 257, 1000, 65536, 65537', async () => {
  for (const size of [1, 2, 255, 256, 257, 1000, 65536, BIG]) {
    const files = host(size);
    const r = reader(size, files);
    const root = rootFromLeafHashes(LEAVES, 0, size);
    const leaves = LEAVES.slice(0, size);
    for (const index of new Set([0, 1, 254, 255, 256, size - 2, size - 1].filter((i) => i >= 0 && i < size))) {
      const proof = await r.inclusionProof(index);
      if (size <= 1000 || index === size - 1)
        assert.deepEqual(proof, inclusionProof(leaves, index), `${size}/${index}`);
      assert.ok(verifyInclusion(index, size, LEAVES[index]!, proof, root), `${size}/${index}`);
      assert.equal(await r.findLeaf(LEAVES[index]!, 1024), index);
    }
    for (const from of new Set(
      [1, 2, 3, 255, 256, 257, 1000, 65535, size - 1, size].filter((f) => f >= 1 && f <= size),
    )) {
      const proof = await r.consistencyProof(from);
      if (size <= 1000 || from === size - 1) assert.deepEqual(proof, consistencyProof(leaves, from), `${size}←${from}`);
      assert.ok(verifyConsistency(from, size, proof, rootFromLeafHashes(LEAVES, 0, from), root), `${size}←${from}`);
    }
  }
});

test('a tile that does not match the signed root is refused: partial, full, upper level, wrong length, missing, another tree', async () => {
  const size = 700; // tiles 0/000, 0/001 full, 0/002.p/188, 1/000.p/2
  const tamper = (path: string, edit: (d: Uint8Array) => Uint8Array) => {
    const files = host(size);
    files.set(path, edit(Uint8Array.from(files.get(path)!)));
    return files;
  };
  const flip = (d: Uint8Array) => {
    d[40] = d[40]! ^ 1;
    return d;
  };
  await rejectsTransparency(
    () => reader(size, tamper('tile/0/002.p/188', flip)).inclusionProof(699),
    /do not hash to the checkpoint root/,
  );
  await rejectsTransparency(
    () => reader(size, tamper('tile/1/000.p/2', flip)).inclusionProof(3),
    /do not hash to the checkpoint root/,
  );
  await rejectsTransparency(
    () => reader(size, tamper('tile/0/000', flip)).inclusionProof(3),
    /tile\/0\/000 does not match its parent/,
  );
  await rejectsTransparency(
    () => reader(size, tamper('tile/0/001', flip)).consistencyProof(300),
    /does not match its parent/,
  );
  await rejectsTransparency(() => reader(size, tamper('tile/0/000', flip)).findLeaf(LEAVES[5]!, 8), /does not match/);
  await rejectsTransparency(
    () =>
      reader(
        size,
        tamper('tile/0/000', (d) => d.subarray(0, 255 * 32)),
      ).inclusionProof(3),
    /not 256 hashes/,
  );
  const missing = host(size);
  missing.delete('tile/0/001');
  await rejectsTransparency(() => reader(size, missing).inclusionProof(300), /has no tile\/0\/001/);
  // A host serving a whole, self-consistent other tree of the same size.
  const other = new Map<string, Uint8Array>();
  const otherLeaves = LEAVES.slice(1, size + 1);
  for (const { tile, data } of allHashTiles(otherLeaves)) other.set(tilePath(tile), data);
  await rejectsTransparency(() => reader(size, other).inclusionProof(0), /do not hash to the checkpoint root/);
  // The untouched tiles still give a proof that verifies: the test above can fail for the right reason only.
  assert.ok((await reader(size, host(size)).inclusionProof(3)).length > 0);
});

test('a host that has moved on serves the full tile instead of an old partial one: its prefix is used, and authenticated', async () => {
  // A folder exported at sizes 700 then 1000, whose 0/002.p/188 was deleted once 0/002 was full.
  const files = host(1000);
  files.set('tile/1/000.p/2', host(700).get('tile/1/000.p/2')!);
  assert.ok(!files.has('tile/0/002.p/188'));
  const log: string[] = [];
  const r = reader(700, files, log);
  const proof = await r.consistencyProof(600);
  assert.ok(verifyConsistency(600, 700, proof, rootFromLeafHashes(LEAVES, 0, 600), rootFromLeafHashes(LEAVES, 0, 700)));
  assert.ok(log.includes('tile/0/002.p/188') && log.includes('tile/0/002'));
});

test('findLeaf scans only the newest tiles, fetching each once', async () => {
  const log: string[] = [];
  const r = reader(BIG, host(BIG), log);
  assert.equal(await r.findLeaf(LEAVES[BIG - 300]!, 3), BIG - 300);
  assert.equal(await r.findLeaf(LEAVES[10]!, 3), null);
  assert.equal(new Set(log).size, log.length, 'no tile fetched twice');
  assert.ok(log.length <= 7, log.join(' '));
});

test('leaf-index hints: one fetch finds an old entry; a wrong, stale or malformed hint is ignored, never trusted', async () => {
  const size = BIG; // index 5 is far outside the newest 4 tiles a scan looks at
  const files = host(size);
  assert.equal(leafHintPath(LEAVES[5]!), `leaf/${Buffer.from(LEAVES[5]!).toString('hex')}`);
  assert.equal(parseLeafHint(encodeLeafHint(5)), 5);
  for (const bad of ['', '-1', '05', '1e3', '0x10', ' ', '12345678901234567', '\u00ff']) {
    assert.equal(parseLeafHint(utf8Encode(bad)), null, JSON.stringify(bad));
  }
  assert.equal(parseLeafHint(null), null);
  const log: string[] = [];
  assert.equal(await reader(size, files, log).locateLeaf(LEAVES[5]!, 5, 4), 5);
  assert.ok(log.includes('tile/0/000'), 'the hinted leaf is read from its authenticated tile');
  assert.equal(await reader(size, files).locateLeaf(LEAVES[5]!, null, 4), null, 'no hint: beyond the scan');
  // A hint naming another leaf, or one past the tree, falls back to the scan.
  assert.equal(await reader(size, files).locateLeaf(LEAVES[5]!, 6, 4), null);
  assert.equal(await reader(size, files).locateLeaf(LEAVES[5]!, size, 4), null);
  assert.equal(await reader(size, files).locateLeaf(LEAVES[size - 3]!, 7, 4), size - 3, 'wrong hint, found by scan');
  // A host that also forges the tile holding the hinted index is caught by the tile check.
  const forged = host(size);
  const tile = Uint8Array.from(forged.get('tile/0/000')!);
  tile.set(hashLeaf(utf8Encode('not logged')), 5 * 32);
  forged.set('tile/0/000', tile);
  await rejectsTransparency(
    () => reader(size, forged).locateLeaf(hashLeaf(utf8Encode('not logged')), 5, 4),
    /does not match its parent/,
  );
});
