import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyFile, localSigner, signMetadata, type KeyFile } from '@updraft/signing';
import { serializeEnvelope, type JsonObject } from '@updraft/protocol';
import { startStaticServer } from '@updraft/test-kit/hostile-proxy';
import {
  A,
  B,
  assertRuns,
  attackCase,
  client,
  content,
  copyDevice,
  flipByte,
  isPath,
  keysDir,
  onPath,
  pointAt,
  rel,
  serve,
  server,
  sha256,
  templateA,
  useHostileNetwork,
  v2File,
  work,
} from '@updraft/test-kit/hostile-network';
import { getBytes, getJson, mirrorRepository } from '@updraft/test-kit/repo-tools';

// Hostile network, tampering (docs/security.md, "Threats and defences"): a malicious proxy
// between the real Node device client and the real server alters bundles, manifests and
// metadata, mixes metadata of other versions, apps and targets, or signs with too few keys;
// a static host serves a tampered folder. Every case ends with the device running its last
// good bundle, and the reason code it reported.

useHostileNetwork({ otherTargets: true });

test('control: through the proxy without an attack, the device updates to v2', async () => {
  const c = client(await copyDevice(templateA), A);
  const r = await c.sync();
  assert.equal(r.status, 'updated');
  assert.equal(r.release, rel['v2']!.releaseId);
});

// Arbitrary software.
test('altered bundle → hash', () => attackCase({ attack: async () => onPath(v2File(), flipByte), expect: 'hash' }));
test('altered manifest → hash', () =>
  attackCase({
    attack: async () => onPath((p) => p.startsWith(`/repo/${A}/targets/manifests/`), flipByte),
    expect: 'hash',
  }));
test('forged signature (timestamp changed after signing) → signature', () =>
  attackCase({
    attack: async () =>
      onPath(isPath('/timestamp.json'), (up) => {
        const env = JSON.parse(up.body.toString()) as { signed: { version: number } };
        env.signed.version += 1;
        return { ...up, body: Buffer.from(JSON.stringify(env)) };
      }),
    expect: 'signature',
  }));
test('metadata signed by an untrusted key → signature', () =>
  attackCase({
    attack: async () => {
      const ts = await getJson(`${server.url}/repo/${A}/metadata/timestamp.json`);
      const signed = { ...ts.signed, version: (ts.signed['version'] as number) + 1 } as JsonObject;
      const forged = serializeEnvelope(await signMetadata(signed, [localSigner(generateKeyFile())]));
      return serve(isPath('/timestamp.json'), Buffer.from(forged));
    },
    expect: 'signature',
  }));

// Mix and match.
test('director from another snapshot → hash/length (the snapshot pins every role)', async () => {
  const old = await getBytes(`${server.url}/repo/${A}/metadata/1.director.json`);
  const snapV = (
    (await getJson(`${server.url}/repo/${A}/metadata/timestamp.json`)).signed['meta'] as Record<
      string,
      { version: number }
    >
  )['snapshot.json']!.version;
  const current = (
    (await getJson(`${server.url}/repo/${A}/metadata/${snapV}.snapshot.json`)).signed['meta'] as Record<
      string,
      { length: number }
    >
  )['director.json']!;
  await attackCase({
    attack: async () => serve(isPath('.director.json'), old),
    expect: old.length > current.length ? 'length' : 'hash',
  });
});

// Wrong software: a stolen director key can only point at releases the publisher signed, and
// only those signed for this app, platform, runtimeVersion and channel are accepted.
test("another app's release → wrong-target", () =>
  attackCase({ attack: () => pointAt('b1', B), expect: 'wrong-target' }));
test("another platform's release → wrong-target", () =>
  attackCase({ attack: () => pointAt('android'), expect: 'wrong-target' }));
test("another runtimeVersion's release → wrong-target", () =>
  attackCase({ attack: () => pointAt('rv2'), expect: 'wrong-target' }));
test("another channel's release → wrong-target", () =>
  attackCase({ attack: () => pointAt('beta'), expect: 'wrong-target' }));
test("another app's repository → signature", () =>
  attackCase({
    attack: async () => async (p, fwd) =>
      isPath('/timestamp.json')(p)
        ? { status: 200, body: await getBytes(`${server.url}/repo/${B}/metadata/timestamp.json`) }
        : fwd(),
    expect: 'signature',
  }));

// Key compromise below the threshold.
test('a new root signed by one of the two required root keys → threshold', () =>
  attackCase({
    attack: async () => {
      const root = await getJson(`${server.url}/repo/${A}/metadata/2.root.json`);
      const signed = structuredClone(root.signed) as JsonObject & {
        keys: JsonObject;
        roles: Record<string, { keyids: string[] }>;
      };
      const rogue = generateKeyFile();
      signed.keys[rogue.keyid] = { keytype: rogue.keytype, scheme: rogue.scheme, keyval: rogue.keyval };
      signed.roles['timestamp']!.keyids = [rogue.keyid];
      signed['version'] = 3;
      const stolenRootKey = JSON.parse(await readFile(join(keysDir(A), 'root.key.json'), 'utf8')) as KeyFile;
      const forged = serializeEnvelope(await signMetadata(signed, [localSigner(stolenRootKey)]));
      return serve(isPath('/3.root.json'), Buffer.from(forged));
    },
    expect: 'threshold',
  }));

// A tampered static folder (static mode: a CDN or bucket serves the exported repository).
test('tampered static folder: altered bundle → hash, altered timestamp → signature; untouched → updated', async () => {
  const folder = join(work.path, 'static');
  const repo = await mirrorRepository(server.url, A, folder);
  const cdn = await startStaticServer(folder);
  try {
    const untouched = client(await copyDevice(templateA), A, { server: cdn.url });
    assert.equal((await untouched.sync()).release, rel['v2']!.releaseId, 'the mirror is complete');

    const bundle = join(repo, 'targets', 'files', sha256(content('v2')));
    const original = await readFile(bundle);
    await writeFile(bundle, flipByte({ status: 200, headers: {}, body: original }).body);
    const d1 = client(await copyDevice(templateA), A, { server: cdn.url });
    assert.equal((await d1.sync()).reason, 'hash');
    await assertRuns(d1, 'v1');
    await writeFile(bundle, original);

    const tsPath = join(repo, 'metadata', 'timestamp.json');
    const ts = JSON.parse(await readFile(tsPath, 'utf8')) as { signed: { expires: string } };
    ts.signed.expires = '2099-01-01T00:00:00Z';
    await writeFile(tsPath, JSON.stringify(ts));
    const d2 = client(await copyDevice(templateA), A, { server: cdn.url });
    assert.equal((await d2.sync()).reason, 'signature');
    await assertRuns(d2, 'v1');
  } finally {
    await cdn.close();
  }
});
