import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  bytesEqual,
  bytesToHex,
  hexToBytes,
  LOG_CONSISTENCY_PROOF_PATH,
  LOG_ENTRIES_PATH,
  parseJsonObject,
  parseReleaseCustom,
  parseSnapshot,
  parseTargets,
  parseTimestamp,
  sha256Hex,
  type RootSigned,
  RELEASES_ROLE,
  repoPaths,
  repositoryBaseUrl,
  roleFileName,
  SNAPSHOT_ROLE,
  TARGETS_ROLE,
} from '@updraft/protocol';
import {
  base64Encode,
  hashLeaf,
  METADATA_ENTRY_TYPE,
  openCheckpoint,
  parseConsistencyProof,
  parseLogEntry,
  rootFromLeafHashes,
  verifyConsistency,
  type LogTrust,
  type MetadataLogEntry,
} from '@updraft/protocol/transparency';
import { KeysInForce, NO_KEYS_IN_FORCE, TrustHistoryError, type KeysInForceState } from './log-keys-in-force.js';
import { CliError } from './output.js';
import { retryingFetch } from '@updraft/client/node';

/**
 * One pass of `updraft log monitor`: follow the app's log from the last state, check that the
 * new checkpoint extends what was seen (and that its entries hash to its root), and list every
 * release the log reveals with the key ids that signed it among the releases keys in force
 * when it was logged (log-keys-in-force.ts). The state file keeps every leaf hash, so a
 * rewritten history is caught even without the server's proofs.
 */

export interface MonitoredRelease {
  releaseId: string;
  versionCode: number;
  /** Releases keys in force when it was logged that signed it; empty = a rogue release. */
  signerKeyIds: string[];
  /** The targets version that listed those keys (null: the log predates logged targets versions). */
  targetsVersion: number | null;
}

interface MonitorState {
  origin: string;
  size: number;
  rootHash: string;
  leafHashes: string[];
  knownTargets: string[];
  releases: MonitoredRelease[];
  /** Absent in state files of older monitors: the log is then replayed from its start. */
  keysInForce?: KeysInForceState;
}

export interface MonitorResult {
  checkpoint: { origin: string; size: number; rootHash: string };
  releases: MonitoredRelease[];
  newReleases: MonitoredRelease[];
}

const PAGE = 256;

function inconsistent(message: string): CliError {
  return new CliError('log-inconsistent', message, { exitCode: 3 });
}

async function getBytes(url: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await retryingFetch(url);
  } catch (err) {
    throw new CliError('server-unreachable', `cannot reach ${url} (${(err as Error).message}); check --server`);
  }
  if (!res.ok) throw new CliError(`http-${res.status}`, `${url} answered HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function getJson(url: string): Promise<Record<string, unknown>> {
  return parseJsonObject(await getBytes(url), url);
}

async function loadState(path: string, origin: string): Promise<MonitorState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { origin, size: 0, rootHash: '', leafHashes: [], knownTargets: [], releases: [] };
  }
  const state = JSON.parse(text) as MonitorState;
  if (state.origin !== origin) {
    throw new CliError('bad-state', `${path} follows log "${state.origin}", not "${origin}"; pass another --state`);
  }
  return state;
}

async function saveState(path: string, state: MonitorState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(state) + '\n');
  await rename(tmp, path);
}

/** The releases role keys, from the targets metadata the repository currently serves. */
async function releasesKeys(repo: string) {
  const ts = parseTimestamp(await getJson(`${repo}/${repoPaths.timestamp()}`));
  const snapshotVersion = ts.signed.meta[roleFileName(SNAPSHOT_ROLE)].version;
  const snap = parseSnapshot(await getJson(`${repo}/${repoPaths.versioned(SNAPSHOT_ROLE, snapshotVersion)}`));
  const targetsVersion = snap.signed.meta[roleFileName(TARGETS_ROLE)]?.version ?? 0;
  const targets = parseTargets(await getJson(`${repo}/${repoPaths.versioned(TARGETS_ROLE, targetsVersion)}`));
  const role = targets.signed.delegations?.roles.find((r) => r.name === RELEASES_ROLE);
  return { keys: targets.signed.delegations?.keys ?? {}, keyids: role?.keyids ?? [] };
}

export async function monitorOnce(opts: {
  server: string;
  appId: string;
  trust: LogTrust;
  /** The owner's root.json: the logged root history must contain it unchanged. */
  anchor: RootSigned;
  statePath: string;
}): Promise<MonitorResult> {
  const repo = repositoryBaseUrl(opts.server, opts.appId);
  const note = new TextDecoder().decode(await getBytes(`${repo}/${repoPaths.checkpoint()}`));
  let cp;
  try {
    cp = openCheckpoint(note, opts.trust);
  } catch (err) {
    throw inconsistent(`the log's checkpoint does not verify: ${(err as Error).message}`);
  }
  const state = await loadState(opts.statePath, cp.origin);
  const known = state.leafHashes.map(hexToBytes);

  if (cp.size < state.size) {
    if (!bytesEqual(rootFromLeafHashes(known.slice(0, cp.size)), cp.rootHash)) {
      throw inconsistent(`the log now shows size ${cp.size} with a root that contradicts the history seen before`);
    }
    return result(cp, state, []);
  }
  if (state.size > 0 && cp.size > state.size) {
    const proof = parseConsistencyProof(
      await getJson(`${repo}/${repoPaths.log(LOG_CONSISTENCY_PROOF_PATH)}?from=${state.size}&to=${cp.size}`),
    );
    const oldRoot = Buffer.from(state.rootHash, 'base64');
    if (!verifyConsistency(state.size, cp.size, proof.hashes, oldRoot, cp.rootHash)) {
      throw inconsistent(
        `the checkpoint of size ${cp.size} is not consistent with size ${state.size} seen before: the log forked or was rewritten`,
      );
    }
  }
  // Without the keys in force of the last pass (an older state file), replay from entry 0:
  // the leaves already seen must hash as before, and they rebuild the keys in force.
  const replayFrom = state.keysInForce ? state.size : 0;
  const fresh: Uint8Array[] = [];
  const dataOf: { index: number; data: Uint8Array }[] = [];
  for (let start = replayFrom; start < cp.size;) {
    const page = (
      await getJson(`${repo}/${repoPaths.log(LOG_ENTRIES_PATH)}?start=${start}&end=${Math.min(cp.size, start + PAGE)}`)
    )['entries'] as { index: number; data: string }[];
    if (!Array.isArray(page) || page.length === 0) throw inconsistent(`the log did not serve entry ${start}`);
    for (const e of page) {
      if (e.index !== start) throw inconsistent(`the log served entry ${e.index} where ${start} was expected`);
      const data = new Uint8Array(Buffer.from(e.data, 'base64'));
      const leaf = hashLeaf(data);
      if (start < state.size) {
        if (!bytesEqual(leaf, known[start]!)) throw inconsistent(`entry ${start} is not the one seen before`);
      } else {
        fresh.push(leaf);
      }
      dataOf.push({ index: start, data });
      start++;
    }
  }
  const all = [...known, ...fresh];
  if (!bytesEqual(rootFromLeafHashes(all), cp.rootHash)) {
    throw inconsistent(
      `the log's entries do not hash to its checkpoint root at size ${cp.size}: split view or tampering`,
    );
  }

  const fetchLogged = async (entry: MetadataLogEntry): Promise<Uint8Array> => {
    const bytes = await getBytes(`${repo}/${repoPaths.versioned(entry.role, entry.version)}`);
    if (sha256Hex(bytes) !== entry.sha256 || bytes.length !== entry.length) {
      throw inconsistent(`${entry.role} version ${entry.version} served by the repository is not the one in the log`);
    }
    return bytes;
  };
  const keysInForce = new KeysInForce(state.keysInForce ?? NO_KEYS_IN_FORCE, opts.anchor);
  const newReleases: MonitoredRelease[] = [];
  const knownTargets = new Set(state.knownTargets);
  let current: Awaited<ReturnType<typeof releasesKeys>> | null = null;
  for (const { index, data } of dataOf) {
    const entry = parseLogEntry(data);
    if (entry?.type !== METADATA_ENTRY_TYPE) continue;
    // Releases seen in an earlier pass were listed then; root and targets still set the keys.
    if (entry.role === 'releases' && index < state.size) continue;
    const bytes = await fetchLogged(entry);
    try {
      if (entry.role === 'root') keysInForce.root(bytes, entry.version);
      if (entry.role === 'targets') keysInForce.targets(bytes, entry.version);
    } catch (err) {
      if (err instanceof TrustHistoryError) throw inconsistent(err.message);
      throw err;
    }
    if (entry.role !== 'releases') continue;
    const raw = parseJsonObject(bytes, `${entry.version}.releases.json`);
    const parsed = parseTargets(raw, 'releases');
    const signers = await keysInForce.signers(raw, async () => (current ??= await releasesKeys(repo)));
    for (const [path, target] of Object.entries(parsed.signed.targets)) {
      if (knownTargets.has(path) || !path.startsWith('manifests/')) continue;
      knownTargets.add(path);
      const custom = parseReleaseCustom(target.custom, path);
      newReleases.push({
        releaseId: custom.releaseId,
        versionCode: custom.versionCode,
        signerKeyIds: signers.keyIds,
        targetsVersion: signers.targetsVersion,
      });
    }
  }
  const next: MonitorState = {
    origin: cp.origin,
    size: cp.size,
    rootHash: base64Encode(cp.rootHash),
    leafHashes: all.map(bytesToHex),
    knownTargets: [...knownTargets],
    releases: [...state.releases, ...newReleases],
    keysInForce: keysInForce.snapshot(),
  };
  await saveState(opts.statePath, next);
  return result(cp, next, newReleases);
}

function result(
  cp: { origin: string; size: number; rootHash: Uint8Array },
  state: MonitorState,
  newReleases: MonitoredRelease[],
): MonitorResult {
  return {
    checkpoint: { origin: cp.origin, size: cp.size, rootHash: base64Encode(cp.rootHash) },
    releases: state.releases,
    newReleases,
  };
}
