import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { consistentTargetPath, type JsonObject, serializeEnvelope } from '@updraft/protocol';
import { openSqliteStore, type OnlineRole } from '@updraft/server';
import { expiresAt, localSigner, metaEntryFor, signMetadata, type KeyFile } from '@updraft/signing';

/** Tools an attacker (or a test of static hosting) uses on a real server's repository. */

export async function getBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

export async function getJson<T = JsonObject & { signed: JsonObject }>(url: string): Promise<T> {
  return JSON.parse((await getBytes(url)).toString('utf8')) as T;
}

/** A compromised server: its online private keys, read from its database file. */
export async function stealOnlineKeys(dataDir: string, appId: string): Promise<Record<OnlineRole, KeyFile>> {
  const store = await openSqliteStore(join(dataDir, 'updraft.db'));
  try {
    const keys = await store.trust.getOnlineKeys(appId);
    if (!keys) throw new Error(`no online keys for ${appId}`);
    return keys;
  } finally {
    await store.close();
  }
}

interface MetaJson {
  version: number;
  length: number;
  hashes: { sha256: string };
}

export interface ForgeEdit {
  /** Changes director's targets; director, snapshot and timestamp are then re-signed. */
  director?: (targets: Record<string, JsonObject>) => void;
  /** Changes what snapshot lists (e.g. an older releases.json); snapshot and timestamp are re-signed. */
  snapshotMeta?: (
    meta: Record<string, MetaJson>,
    fetchVersion: (role: string, v: number) => Promise<MetaJson>,
  ) => Promise<void>;
  /** Points the new timestamp at this snapshot instead. */
  timestampSnapshot?: (current: MetaJson) => Promise<MetaJson>;
  timestampVersion?: number;
}

/**
 * Signs new director/snapshot/timestamp with stolen online keys. Returns the forged files by
 * their metadata file name, for a proxy to serve in place of the real ones.
 */
export async function forgeOnline(
  server: string,
  appId: string,
  keys: Record<OnlineRole, KeyFile>,
  edit: ForgeEdit,
): Promise<Map<string, Buffer>> {
  const base = `${server}/repo/${appId}/metadata`;
  const files = new Map<string, Buffer>();
  const expires = expiresAt(Date.now(), 1);
  const ts = await getJson(`${base}/timestamp.json`);
  const tsMeta = (ts.signed['meta'] as unknown as Record<string, MetaJson>)['snapshot.json']!;
  const snap = await getJson(`${base}/${tsMeta.version}.snapshot.json`);
  const meta = structuredClone(snap.signed['meta']) as unknown as Record<string, MetaJson>;
  const fetchVersion = async (role: string, v: number): Promise<MetaJson> => {
    const bytes = await getBytes(`${base}/${v}.${role}.json`);
    const m = metaEntryFor(bytes, v);
    return { version: v, length: m.length, hashes: { sha256: m.sha256 } };
  };
  let snapshotChanged = false;
  if (edit.director) {
    const dv = meta['director.json']!.version;
    const director = await getJson(`${base}/${dv}.director.json`);
    const signed = structuredClone(director.signed);
    edit.director(signed['targets'] as Record<string, JsonObject>);
    signed['version'] = dv + 1;
    signed['expires'] = expires;
    const bytes = Buffer.from(serializeEnvelope(await signMetadata(signed, [localSigner(keys.director)])));
    files.set(`${dv + 1}.director.json`, bytes);
    const m = metaEntryFor(bytes, dv + 1);
    meta['director.json'] = { version: dv + 1, length: m.length, hashes: { sha256: m.sha256 } };
    snapshotChanged = true;
  }
  if (edit.snapshotMeta) {
    await edit.snapshotMeta(meta, fetchVersion);
    snapshotChanged = true;
  }
  let snapshotEntry: MetaJson = tsMeta;
  if (snapshotChanged) {
    const signed = {
      ...structuredClone(snap.signed),
      version: tsMeta.version + 1,
      expires,
      meta,
    } as unknown as JsonObject;
    const bytes = Buffer.from(serializeEnvelope(await signMetadata(signed, [localSigner(keys.snapshot)])));
    files.set(`${tsMeta.version + 1}.snapshot.json`, bytes);
    const m = metaEntryFor(bytes, tsMeta.version + 1);
    snapshotEntry = { version: tsMeta.version + 1, length: m.length, hashes: { sha256: m.sha256 } };
  }
  if (edit.timestampSnapshot) snapshotEntry = await edit.timestampSnapshot(tsMeta);
  const tsSigned = {
    ...structuredClone(ts.signed),
    version: edit.timestampVersion ?? (ts.signed['version'] as number) + 1,
    expires,
    meta: { 'snapshot.json': snapshotEntry },
  } as unknown as JsonObject;
  files.set(
    'timestamp.json',
    Buffer.from(serializeEnvelope(await signMetadata(tsSigned, [localSigner(keys.timestamp)]))),
  );
  return files;
}

/**
 * Copies an app's repository from a server into `dir/repo/<appId>/…` (the layout of a static
 * export): every root, the current metadata, every release manifest and file.
 */
export async function mirrorRepository(server: string, appId: string, dir: string): Promise<string> {
  const base = `${server}/repo/${appId}`;
  const out = join(dir, 'repo', appId);
  const put = async (path: string, bytes: Buffer) => {
    await mkdir(dirname(join(out, path)), { recursive: true });
    await writeFile(join(out, path), bytes);
  };
  for (let v = 1; ; v++) {
    const res = await fetch(`${base}/metadata/${v}.root.json`);
    if (res.status !== 200) break;
    await put(`metadata/${v}.root.json`, Buffer.from(await res.arrayBuffer()));
  }
  const ts = await getBytes(`${base}/metadata/timestamp.json`);
  await put('metadata/timestamp.json', ts);
  const sv = (JSON.parse(ts.toString()) as { signed: { meta: Record<string, MetaJson> } }).signed.meta['snapshot.json']!
    .version;
  const snapBytes = await getBytes(`${base}/metadata/${sv}.snapshot.json`);
  await put(`metadata/${sv}.snapshot.json`, snapBytes);
  const meta = (JSON.parse(snapBytes.toString()) as { signed: { meta: Record<string, MetaJson> } }).signed.meta;
  for (const role of ['targets', 'releases', 'director']) {
    const v = meta[`${role}.json`]!.version;
    await put(`metadata/${v}.${role}.json`, await getBytes(`${base}/metadata/${v}.${role}.json`));
  }
  const targetsOf = async (role: string) =>
    (
      await getJson<{ signed: { targets: Record<string, MetaJson> } }>(
        `${base}/metadata/${meta[`${role}.json`]!.version}.${role}.json`,
      )
    ).signed.targets;
  for (const role of ['releases', 'director']) {
    for (const [path, t] of Object.entries(await targetsOf(role))) {
      const rel = `targets/${consistentTargetPath(path, t.hashes.sha256)}`;
      const bytes = await getBytes(`${base}/${rel}`);
      await put(rel, bytes);
      if (role === 'releases') {
        const manifest = JSON.parse(bytes.toString()) as { files: { sha256: string }[] };
        for (const f of manifest.files)
          await put(`targets/files/${f.sha256}`, await getBytes(`${base}/targets/files/${f.sha256}`));
      }
    }
  }
  return out;
}
