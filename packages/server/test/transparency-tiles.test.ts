import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEntryBundle,
  hashLeaf,
  leafHintPath,
  openCheckpoint,
  parseLeafHint,
  parseVerifierKey,
  TileHashReader,
  verifyConsistency,
  verifyInclusion,
} from '@updraft/protocol/transparency';
import { createTrustedApp, prepareRelease, request, startTestServer, startAuditLogFixture } from './helpers.js';

// The log as C2SP tlog-tiles over HTTP: what devices read instead of the proof endpoints.

test('tile routes: hash tiles and entry bundles of the current tree, authenticated proofs, caching, 4xx for bad paths', async () => {
  const t = await startTestServer();
  try {
    const app = 'com.example.tiles';
    const { keys } = await createTrustedApp(t, app);
    const { body } = await prepareRelease(t, app, keys, { releaseId: 'r1', versionCode: 1 });
    assert.equal((await t.api('POST', `/v1/apps/${app}/releases`, body)).status, 201);
    const identity = (await t.api('GET', `/v1/apps/${app}/log`)).json as { origin: string; key: string };
    const base = `${t.url}/repo/${app}/log`;
    const cp = openCheckpoint(new TextDecoder().decode((await request(`${base}/checkpoint`, 'GET')).bytes), {
      origin: identity.origin,
      logKey: parseVerifierKey(identity.key),
      witnesses: [],
      witnessThreshold: 0,
    });
    const size = cp.size;
    assert.ok(size >= 2 && size < 256);

    const tile = await request(`${base}/tile/0/000.p/${size}`, 'GET');
    assert.equal(tile.status, 200);
    assert.equal(tile.headers.get('content-type'), 'application/octet-stream');
    assert.equal(tile.headers.get('cache-control'), 'public, max-age=10, must-revalidate');
    assert.equal(tile.bytes.length, size * 32);

    const bundle = await request(`${base}/tile/entries/000.p/${size}`, 'GET');
    assert.equal(bundle.status, 200);
    const entries = decodeEntryBundle(bundle.bytes)!;
    assert.equal(entries.length, size);
    // The bundle's entries are the leaves the hash tile holds.
    entries.forEach((e, i) => assert.deepEqual(hashLeaf(e), tile.bytes.subarray(i * 32, (i + 1) * 32)));

    // A device-side reader over the live routes: proofs verify against the signed root.
    const reader = new TileHashReader(size, cp.rootHash, async (path) => {
      const r = await request(`${base}/${path}`, 'GET');
      return r.status === 200 ? r.bytes : null;
    });
    const last = hashLeaf(entries[size - 1]!);
    assert.equal(await reader.findLeaf(last, 1), size - 1);
    assert.ok(verifyInclusion(size - 1, size, last, await reader.inclusionProof(size - 1), cp.rootHash));

    // Leaf-index hints: the index as text, immutable; 404 for a hash not in the log, 400 for a bad one.
    const hint = await request(`${base}/${leafHintPath(last)}`, 'GET');
    assert.equal(hint.status, 200);
    assert.equal(parseLeafHint(hint.bytes), size - 1);
    assert.equal(hint.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal((await request(`${base}/${leafHintPath(hashLeaf(new Uint8Array([1])))}`, 'GET')).status, 404);
    assert.equal((await request(`${base}/leaf/XYZ`, 'GET')).status, 400);

    // A narrower partial tile of the same tree is still served (a device that knows an older size).
    assert.equal((await request(`${base}/tile/0/000.p/1`, 'GET')).bytes.length, 32);

    for (const [path, status] of [
      ['/tile/0/000', 404], // the full tile does not exist yet
      [`/tile/0/000.p/${size + 1}`, 404],
      ['/tile/1/000.p/1', 404],
      ['/tile/entries/001.p/1', 404],
      ['/tile/0/x000/000', 400], // not canonical
      ['/tile/0/0', 400],
      ['/tile/0/000.p/256', 400],
      ['/tile/64/000', 400],
      ['/tile/abc/000', 400],
      ['/tile/entries/000.p/0', 400],
    ] as const) {
      const r = await request(`${base}${path}`, 'GET');
      assert.equal(r.status, status, `${path}: ${r.status} ${new TextDecoder().decode(r.bytes)}`);
      assert.ok(r.json?.error?.message, path);
      assert.equal(r.headers.get('cache-control'), 'no-store', path);
    }
    assert.equal((await request(`${t.url}/repo/com.example.none/log/tile/0/000.p/1`, 'GET')).status, 404);
  } finally {
    await t.stop();
  }
});

test('a log past 256 entries: full tiles are immutable, the partial ones short-lived, level 1 authenticates level 0', async () => {
  const fixture = await startAuditLogFixture();
  try {
    // 257 audit heads anchored: one full level-0 tile and one leaf past it.
    for (let i = 1; i <= 257; i++) {
      fixture.setHead({ size: i, head: i.toString(16).padStart(64, '0') });
      await fixture.anchorOnce();
    }
    const url = await fixture.listen();
    const identity = await fixture.identity();
    const cp = openCheckpoint(new TextDecoder().decode((await request(`${url}/checkpoint`, 'GET')).bytes), {
      origin: identity.origin,
      logKey: parseVerifierKey(identity.key),
      witnesses: [],
      witnessThreshold: 0,
    });
    assert.equal(cp.size, 257);

    const full = await request(`${url}/tile/0/000`, 'GET');
    assert.equal(full.status, 200);
    assert.equal(full.bytes.length, 256 * 32);
    assert.equal(full.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const partial = await request(`${url}/tile/0/001.p/1`, 'GET');
    assert.equal(partial.headers.get('cache-control'), 'public, max-age=10, must-revalidate');
    assert.equal((await request(`${url}/tile/1/000.p/1`, 'GET')).bytes.length, 32);
    const bundle = await request(`${url}/tile/entries/000`, 'GET');
    assert.equal(bundle.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(decodeEntryBundle(bundle.bytes)!.length, 256);
    assert.equal((await request(`${url}/tile/entries/001.p/2`, 'GET')).status, 404);

    const fetched: string[] = [];
    const reader = new TileHashReader(cp.size, cp.rootHash, async (path) => {
      fetched.push(path);
      const r = await request(`${url}/${path}`, 'GET');
      return r.status === 200 ? r.bytes : null;
    });
    const leaf3 = full.bytes.subarray(3 * 32, 4 * 32);
    assert.ok(verifyInclusion(3, 257, leaf3, await reader.inclusionProof(3), cp.rootHash));
    assert.ok(fetched.includes('tile/0/000') && fetched.includes('tile/1/000.p/1'), fetched.join(' '));
    const old = (await request(`${url}/proof/inclusion?index=0&treeSize=100`, 'GET')).status;
    assert.equal(old, 200, 'the proof endpoints are still served');
    const cons = await reader.consistencyProof(100);
    const byEndpoint = (await request(`${url}/proof/consistency?from=100&to=257`, 'GET')).json as { hashes: string[] };
    assert.deepEqual(
      cons.map((h) => Buffer.from(h).toString('base64')),
      byEndpoint.hashes,
    );
    assert.ok(cons.length > 0 && !verifyConsistency(100, 257, cons, cp.rootHash, cp.rootHash));
  } finally {
    await fixture.close();
  }
});
