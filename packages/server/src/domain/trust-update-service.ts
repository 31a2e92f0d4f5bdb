import type { trustApi } from '@updraft/api';
import {
  parseJsonObject,
  parseRoot,
  parseTargets,
  RELEASES_ROLE,
  DIRECTOR_ROLE,
  type Envelope,
  type RootSigned,
  type SignedEnvelope,
  type TargetsSigned,
  type TufKey,
  OFFLINE_ROLES,
  ROOT_ROLE,
  TARGETS_ROLE,
  TOP_ROLES,
} from '@updraft/protocol';
import { appNotFound, badRequest, conflict, trustNotInitialized } from './api-error.js';
import {
  type MetadataRole,
  ONLINE_ROLES,
  type OnlineRole,
  type StoredMetadata,
  type Transactional,
} from '../persistence/persistence.js';
import { generateKeyFile, publicKeyOf } from '@updraft/signing';
import type { Actor } from './access.js';
import { appendAudit } from './audit-service.js';
import { signDirector, signSnapshotAndTimestamp, storeEnvelope } from './online-signing.js';
import { withResignRetry } from './resign-retry.js';
import { invalid } from './trust-check.js';
import {
  checkReleasesResign,
  checkRootUpdate,
  checkTargetsUpdate,
  signedBy,
  type ServerKeys,
} from './trust-update-check.js';

export interface MetadataUpload {
  root?: unknown;
  targets?: unknown;
  releases?: unknown;
}

export type MetadataUpdated = trustApi.MetadataUpdated;

/** At most this many unused online keys per role, so a loop of requests cannot fill the database. */
const MAX_CANDIDATES_PER_ROLE = 4;

function parseStoredRoot(m: StoredMetadata): RootSigned {
  return parseRoot(parseJsonObject(m.bytes, 'stored root.json')).signed;
}

function parseStoredTargets(m: StoredMetadata): { raw: Record<string, unknown>; parsed: Envelope<TargetsSigned> } {
  const raw = parseJsonObject(m.bytes, `stored ${m.role}.json`);
  return { raw, parsed: parseTargets(raw, m.role) };
}

/**
 * Key rotation and renewal of the offline roles after an app exists: the server generates
 * new online keys on request, and accepts new root, targets and releases versions that a
 * TUF client will accept, switching its online keys when the new metadata lists them.
 */
export class TrustService {
  constructor(
    private readonly deps: {
      store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'transparencyLog'>;
      now: () => number;
    },
  ) {}

  private async requireTrust(appId: string): Promise<void> {
    const app = await this.deps.store.trust.getApp(appId);
    if (!app) throw appNotFound(appId);
    if (!app.trustInitializedAt) throw trustNotInitialized(appId);
  }

  /** The latest version of a role, exactly as served; the CLI verifies it before building on it. */
  async latest(appId: string, role: MetadataRole): Promise<Uint8Array> {
    await this.requireTrust(appId);
    const m = await this.deps.store.trust.getLatestMetadata(appId, role);
    if (!m) throw trustNotInitialized(appId, 404);
    return m.bytes;
  }

  /**
   * A new key for an online role, kept as a candidate until a root (snapshot, timestamp) or
   * targets (director) version lists it; until then the server keeps signing with the old one.
   */
  async createOnlineKey(
    actor: Actor,
    appId: string,
    role: OnlineRole,
  ): Promise<{ role: OnlineRole; keyid: string; key: TufKey }> {
    await this.requireTrust(appId);
    const { store } = this.deps;
    const pending = (await store.trust.listOnlineKeyCandidates(appId)).filter((c) => c.role === role);
    if (pending.length >= MAX_CANDIDATES_PER_ROLE) {
      throw conflict(
        'too-many-candidates',
        `app "${appId}" already has ${pending.length} unused ${role} keys; list one of them in a new ` +
          `${role === DIRECTOR_ROLE ? TARGETS_ROLE : ROOT_ROLE} version (their key ids: ${pending.map((c) => c.key.keyid).join(', ')})`,
      );
    }
    const key = generateKeyFile('ed25519');
    const nowMs = this.deps.now();
    await store.transaction(async (tx) => {
      await tx.trust.addOnlineKeyCandidate(appId, { role, key, createdAt: new Date(nowMs).toISOString() });
      await appendAudit(
        tx,
        actor,
        { appId, action: 'trust.online-key', target: `app:${appId}/${role}`, details: { role, keyid: key.keyid } },
        nowMs,
      );
    });
    return { role, keyid: key.keyid, key: publicKeyOf(key) };
  }

  async updateMetadata(actor: Actor, appId: string, upload: MetadataUpload): Promise<MetadataUpdated> {
    await this.requireTrust(appId);
    if (upload.root === undefined && upload.targets === undefined && upload.releases === undefined) {
      throw badRequest('invalid-request', 'send at least one of root, targets, releases');
    }
    const { store } = this.deps;
    const nowMs = this.deps.now();
    const active = await store.trust.getOnlineKeys(appId);
    const [rootM, targetsM, releasesM] = await Promise.all(
      OFFLINE_ROLES.map((r) => store.trust.getLatestMetadata(appId, r)),
    );
    if (!active || !rootM || !targetsM || !releasesM)
      throw new Error(`app ${appId} has trust but lacks keys or metadata`);
    const server: ServerKeys = { active, candidates: await store.trust.listOnlineKeyCandidates(appId) };

    const currentRoot = parseStoredRoot(rootM);
    const currentTargets = parseStoredTargets(targetsM);
    const currentReleases = parseStoredTargets(releasesM);

    const root =
      upload.root !== undefined ? checkRootUpdate(currentRoot, upload.root, server, nowMs).signed : currentRoot;
    let targets: TargetsSigned;
    if (upload.targets !== undefined) {
      targets = checkTargetsUpdate(root, currentTargets.parsed.signed, upload.targets, server, nowMs).signed;
    } else {
      targets = currentTargets.parsed.signed;
      if (upload.root !== undefined) {
        stillSigned(
          () =>
            signedBy(
              currentTargets.raw,
              currentTargets.parsed,
              root.keys,
              root.roles.targets,
              'the current targets',
              '',
            ),
          `root ${root.version} no longer lists a threshold of the keys that signed the current targets; ` +
            'upload targets re-signed with the new targets key in the same request, or keep the old key during the overlap',
        );
      }
    }
    if (upload.releases !== undefined) {
      checkReleasesResign(
        targets,
        { raw: currentReleases.raw, parsed: currentReleases.parsed.signed },
        upload.releases,
        nowMs,
      );
    } else if (upload.targets !== undefined) {
      const role = targets.delegations!.roles[0]!;
      stillSigned(
        () =>
          signedBy(
            currentReleases.raw,
            currentReleases.parsed,
            targets.delegations!.keys,
            role,
            'the current releases',
            '',
          ),
        `targets ${targets.version} no longer lists a threshold of the keys that signed the current releases; ` +
          'upload releases re-signed with the new releases key in the same request, or keep the old key during the overlap',
      );
    }

    const activated: MetadataUpdated['activated'] = [];
    const listed: Partial<Record<OnlineRole, string[]>> = {};
    if (upload.root !== undefined) {
      listed.snapshot = root.roles.snapshot.keyids;
      listed.timestamp = root.roles.timestamp.keyids;
    }
    if (upload.targets !== undefined) {
      listed.director = targets.delegations!.roles.find((r) => r.name === DIRECTOR_ROLE)!.keyids;
    }
    for (const role of ONLINE_ROLES) {
      const ids = listed[role];
      if (!ids) continue;
      // The newest candidate the metadata lists becomes the signing key: listing it is the rotation.
      const candidate = server.candidates.filter((c) => c.role === role && ids.includes(c.key.keyid)).at(-1);
      if (candidate) activated.push({ role, keyid: candidate.key.keyid });
    }

    const changed = () =>
      conflict('metadata-changed', 'the metadata changed while this upload was checked; run the command again');
    // The versions checked first decide: a lost race for director, snapshot or timestamp runs again.
    await withResignRetry(
      store,
      appId,
      async (tx) => {
        for (const [role, before] of [
          [ROOT_ROLE, rootM],
          [TARGETS_ROLE, targetsM],
          [RELEASES_ROLE, releasesM],
        ] as const) {
          if ((await tx.trust.getLatestMetadata(appId, role))?.version !== before.version) throw changed();
        }
        const at = new Date(nowMs).toISOString();
        if (upload.root !== undefined) await storeEnvelope(tx, appId, ROOT_ROLE, upload.root as SignedEnvelope, nowMs);
        if (upload.targets !== undefined)
          await storeEnvelope(tx, appId, TARGETS_ROLE, upload.targets as SignedEnvelope, nowMs);
        if (upload.releases !== undefined)
          await storeEnvelope(tx, appId, RELEASES_ROLE, upload.releases as SignedEnvelope, nowMs);
        for (const a of activated) {
          const key = server.candidates.find((c) => c.role === a.role && c.key.keyid === a.keyid)!.key;
          await tx.trust.setOnlineKey(appId, a.role, key, at);
        }
        const keys = await tx.trust.getOnlineKeys(appId);
        if (!keys) throw new Error(`app ${appId} lost its online keys`);
        await signDirector(tx, appId, keys, nowMs);
        await signSnapshotAndTimestamp(tx, appId, keys, nowMs);
        await appendAudit(
          tx,
          actor,
          uploadAudit(appId, upload, { currentRoot, currentTargets, root, targets }, activated),
          nowMs,
        );
      },
      changed,
    );
    return {
      appId,
      rootVersion: root.version,
      targetsVersion: targets.version,
      releasesVersion: currentReleases.parsed.signed.version + (upload.releases !== undefined ? 1 : 0),
      activated,
    };
  }
}

/** Runs a signature check of metadata that stays as it is; its failure becomes `message`. */
function stillSigned(check: () => void, message: string): void {
  try {
    check();
  } catch {
    throw invalid(message);
  }
}

type Envelopes = Record<string, { signatures?: { keyid?: unknown }[] } | undefined>;

/**
 * The audit entry of a metadata upload (`trust.update`): which roles got which version, the
 * key ids that signed them, every role whose keys or threshold changed (a rotation), and the
 * online keys the server switched to.
 */
function uploadAudit(
  appId: string,
  upload: MetadataUpload,
  m: {
    currentRoot: RootSigned;
    currentTargets: { parsed: Envelope<TargetsSigned> };
    root: RootSigned;
    targets: TargetsSigned;
  },
  activated: MetadataUpdated['activated'],
) {
  const uploaded = upload as Envelopes;
  const versions: Record<string, number> = {};
  if (upload.root !== undefined) versions[ROOT_ROLE] = m.root.version;
  if (upload.targets !== undefined) versions[TARGETS_ROLE] = m.targets.version;
  const signers = OFFLINE_ROLES.flatMap((r) => (uploaded[r]?.signatures ?? []).map((s) => String(s.keyid)));
  const rotated: { role: string; before: string[]; after: string[]; threshold: number }[] = [];
  const compare = (
    role: string,
    before: { keyids: string[] } | undefined,
    after: { keyids: string[]; threshold: number } | undefined,
  ) => {
    if (!after) return;
    const b = [...(before?.keyids ?? [])].sort();
    const a = [...after.keyids].sort();
    if (b.join() !== a.join() || (before as { threshold?: number } | undefined)?.threshold !== after.threshold) {
      rotated.push({ role, before: b, after: a, threshold: after.threshold });
    }
  };
  if (upload.root !== undefined) {
    for (const role of TOP_ROLES) {
      compare(role, m.currentRoot.roles[role], m.root.roles[role]);
    }
  }
  if (upload.targets !== undefined) {
    const old = m.currentTargets.parsed.signed.delegations?.roles ?? [];
    for (const r of m.targets.delegations?.roles ?? [])
      compare(
        r.name,
        old.find((o) => o.name === r.name),
        r,
      );
  }
  return {
    appId,
    action: 'trust.update',
    target: `app:${appId}`,
    signingKeyIds: signers,
    details: {
      roles: Object.keys(uploaded).filter((r) => uploaded[r] !== undefined),
      ...versions,
      rotated,
      activated,
    },
  };
}
