import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeEntryBundle,
  hashLeaf,
  openCheckpoint,
  parseVerifierKey,
  TileHashReader,
  verifyInclusion,
} from '@updraft/protocol';
import { createTrustedApp, prepareRelease, request, startTestServer } from './helpers.js';

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
