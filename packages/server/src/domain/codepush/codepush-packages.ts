import { createHash, randomBytes } from 'node:crypto';
import {
  assertRange,
  codePushLabel,
  codePushPackageHash,
  codePushSignedHash,
  isUpdraftError,
  parseJsonObject,
  parseManifest,
  type ReleaseManifest,
} from '@updraft/protocol';
import { appNotFound, badRequest, conflict, notFound } from '../api-error.js';
import type { BlobStore } from '../../blobs/blobs.js';
import { assertMayChangeChannel, type Actor } from '../access.js';
import { appendAudit } from '../audit-service.js';
import type { Transactional } from '../../persistence/persistence.js';
import { assignCodePushLabel } from './codepush-labels.js';
import type { CodePushDeployment, CodePushPackage } from '../../persistence/codepush/codepush-store.js';
import { diffZip, packageZip, type ZipFile } from './codepush-zip.js';

/** Diff packages are made against this many earlier labels of each channel and platform. */
export const CODEPUSH_DIFF_BASES = 5;
const DEPLOYMENT_KEY = /^[A-Za-z0-9_.~-]{8,128}$/;

export interface DeploymentView {
  name: string;
  deploymentKey: string;
  channel: string;
  platform: string;
  createdAt: string;
  /** The newest label of its channel and platform, null before the first CodePush package. */
  currentLabel: string | null;
  /** Whether the newest package is signed (then unsigned ones are refused). */
  signed: boolean;
}

export interface PackageInput {
  packageHash: string;
  signature: string | null;
  targetAppVersion: string | null;
}

export interface PackageView {
  releaseId: string;
  packageHash: string;
  signed: boolean;
  targetAppVersion: string | null;
  signature: string | null;
  /** The labels it has, per channel and platform. */
  labels: { channel: string; platform: string; label: string }[];
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Deployments and packages: what `updraft codepush …` and `updraft publish` manage. */
export class CodePushAdminService {
  constructor(
    private readonly deps: {
      store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'codepush'>;
      blobs: BlobStore;
      now: () => number;
    },
  ) {}

  async addDeployment(
    actor: Actor,
    appId: string,
    input: { name: string; channel: string; platform: string; key?: string },
  ): Promise<DeploymentView> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    if (input.key !== undefined && !DEPLOYMENT_KEY.test(input.key)) {
      throw badRequest(
        'invalid-request',
        'a deployment key is 8 to 128 characters of A-Z a-z 0-9 _ . ~ -; pass the CodePushDeploymentKey your binaries hold',
      );
    }
    const nowMs = this.deps.now();
    const d: CodePushDeployment = {
      deploymentKey: input.key ?? randomBytes(24).toString('base64url'),
      appId,
      name: input.name,
      channel: input.channel,
      platform: input.platform,
      hashSecret: randomBytes(32).toString('hex'),
      createdAt: new Date(nowMs).toISOString(),
    };
    await store.transaction(async (tx) => {
      if (!(await tx.codepush.insertDeployment(d))) {
        throw conflict(
          'deployment-exists',
          `app ${appId} already has a deployment named "${input.name}", or that key is taken; list them with: updraft codepush deployment ls --app ${appId}`,
        );
      }
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action: 'codepush.deployment.add',
          target: `codepush:${input.name}`,
          details: { channel: d.channel, platform: d.platform },
        },
        nowMs,
      );
    });
    return this.view(d);
  }

  async listDeployments(appId: string): Promise<DeploymentView[]> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    return Promise.all((await store.codepush.listDeployments(appId)).map((d) => this.view(d)));
  }

  async removeDeployment(actor: Actor, appId: string, name: string): Promise<{ name: string; removed: true }> {
    const { store } = this.deps;
    const nowMs = this.deps.now();
    await store.transaction(async (tx) => {
      if (!(await tx.codepush.deleteDeployment(appId, name))) {
        throw notFound(
          'deployment-not-found',
          `app ${appId} has no CodePush deployment "${name}"; list them with: updraft codepush deployment ls --app ${appId}`,
        );
      }
      await appendAudit(tx, actor, { appId, action: 'codepush.deployment.remove', target: `codepush:${name}` }, nowMs);
    });
    return { name, removed: true };
  }

  private async view(d: CodePushDeployment): Promise<DeploymentView> {
    const newest = (await this.deps.store.codepush.listLabels(d.appId, d.channel, d.platform)).at(-1);
    const pkg = newest ? await this.deps.store.codepush.getPackage(d.appId, newest.releaseId) : null;
    return {
      name: d.name,
      deploymentKey: d.deploymentKey,
      channel: d.channel,
      platform: d.platform,
      createdAt: d.createdAt,
      currentLabel: newest ? codePushLabel(newest.seq) : null,
      signed: pkg?.signature != null,
    };
  }

  async getPackage(appId: string, releaseId: string): Promise<PackageView> {
    const pkg = await this.deps.store.codepush.getPackage(appId, releaseId);
    if (!pkg) {
      throw notFound('codepush-package-not-found', `release ${releaseId} of ${appId} has no CodePush package`);
    }
    return this.packageView(pkg);
  }

  private async packageView(pkg: CodePushPackage): Promise<PackageView> {
    const { store } = this.deps;
    const labels: PackageView['labels'] = [];
    const seen = new Set<string>();
    for (const d of await store.codepush.listDeployments(pkg.appId)) {
      if (seen.has(`${d.channel}/${d.platform}`)) continue;
      seen.add(`${d.channel}/${d.platform}`);
      for (const l of await store.codepush.listLabels(pkg.appId, d.channel, d.platform)) {
        if (l.releaseId === pkg.releaseId)
          labels.push({ channel: l.channel, platform: l.platform, label: codePushLabel(l.seq) });
      }
    }
    return {
      releaseId: pkg.releaseId,
      packageHash: pkg.packageHash,
      signed: pkg.signature !== null,
      targetAppVersion: pkg.targetRange,
      signature: pkg.signature,
      labels,
    };
  }

  /**
   * Makes the CodePush package of a published release: checks the publisher's package hash
   * and signature claim against the signed manifest, zips it (and diffs against the earlier
   * labels of the channels serving it), and labels it where it is served now.
   */
  async registerPackage(actor: Actor, appId: string, releaseId: string, input: PackageInput): Promise<PackageView> {
    const { store } = this.deps;
    if (!(await store.trust.getApp(appId))) throw appNotFound(appId);
    const release = await store.releases.getRelease(appId, releaseId);
    if (!release) throw notFound('release-not-found', `app ${appId} has no release "${releaseId}"`);
    const existing = await store.codepush.getPackage(appId, releaseId);
    if (existing) {
      if (existing.packageHash === input.packageHash && existing.signature === input.signature) {
        return this.packageView(existing);
      }
      throw conflict('codepush-package-exists', `release ${releaseId} already has a different CodePush package`);
    }
    if (input.targetAppVersion !== null) {
      try {
        assertRange(input.targetAppVersion, 'targetAppVersion');
      } catch (err) {
        if (isUpdraftError(err)) throw badRequest('invalid-request', err.message);
        throw err;
      }
    }
    const manifest = await this.manifest(release.manifestSha256);
    const expected = codePushPackageHash(manifest.files);
    if (input.packageHash !== expected) {
      throw badRequest(
        'codepush-hash-mismatch',
        `the CodePush package hash ${input.packageHash} is not the hash of release ${releaseId}'s files (${expected})`,
      );
    }
    if (input.signature !== null && codePushSignedHash(input.signature) !== expected) {
      throw badRequest(
        'codepush-bad-signature',
        'the .codepushrelease signature is not an RS256 JWT whose contentHash is this package hash; sign with the CodePush private key (--codepush-key)',
      );
    }
    const pointers = (await store.rollout.listPointers(appId)).filter((p) => p.releaseId === releaseId);
    for (const p of pointers) {
      assertMayChangeChannel(actor, appId, await store.rollout.getChannel(appId, p.channel));
      if (input.signature === null && (await this.channelSigned(appId, p.channel, p.platform))) {
        throw conflict(
          'codepush-unsigned',
          `earlier CodePush packages on ${p.channel}/${p.platform} were signed, and binaries that embed a CodePushPublicKey reject unsigned ones; publish with --codepush-key <private key PEM>`,
        );
      }
    }

    const files = await this.files(manifest);
    const zip = packageZip(files, input.signature);
    const zipSha256 = await this.putZip(zip);
    const nowMs = this.deps.now();
    const pkg: CodePushPackage = {
      appId,
      releaseId,
      packageHash: expected,
      signature: input.signature,
      targetRange: input.targetAppVersion,
      zipSha256,
      zipLength: zip.length,
      createdAt: new Date(nowMs).toISOString(),
    };
    const diffs = await this.makeDiffs(pkg, pointers, files, manifest);
    await store.transaction(async (tx) => {
      await tx.codepush.putPackage(pkg);
      for (const d of diffs) await tx.codepush.putDiff(d);
      for (const p of await tx.rollout.listPointers(appId)) {
        if (p.releaseId === releaseId) await assignCodePushLabel(tx, p, pkg.createdAt);
      }
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action: 'codepush.package',
          target: `release:${releaseId}`,
          releaseId,
          manifestSha256: release.manifestSha256,
          details: {
            packageHash: expected,
            signed: input.signature !== null,
            targetAppVersion: input.targetAppVersion,
          },
        },
        nowMs,
      );
    });
    return this.packageView(pkg);
  }

  private async channelSigned(appId: string, channel: string, platform: string): Promise<boolean> {
    const { codepush } = this.deps.store;
    const labels = await codepush.listLabels(appId, channel, platform);
    const pkgs = await codepush.listPackages(
      appId,
      labels.map((l) => l.releaseId),
    );
    return pkgs.some((p) => p.signature !== null);
  }

  private async makeDiffs(
    pkg: CodePushPackage,
    pointers: readonly { channel: string; platform: string }[],
    files: readonly ZipFile[],
    manifest: ReleaseManifest,
  ) {
    const { codepush } = this.deps.store;
    const bases = new Set<string>();
    for (const p of pointers) {
      const labels = await codepush.listLabels(pkg.appId, p.channel, p.platform);
      for (const l of labels.slice(-CODEPUSH_DIFF_BASES)) if (l.releaseId !== pkg.releaseId) bases.add(l.releaseId);
    }
    const withHash = files.map((f, i) => ({ ...f, sha256: manifest.files[i]!.sha256 }));
    const out = [];
    const done = new Set<string>([pkg.packageHash]);
    for (const base of await codepush.listPackages(pkg.appId, [...bases])) {
      if (done.has(base.packageHash)) continue;
      done.add(base.packageHash);
      const release = await this.deps.store.releases.getRelease(pkg.appId, base.releaseId);
      if (!release) continue;
      const from = new Map((await this.manifest(release.manifestSha256)).files.map((f) => [f.path, f.sha256]));
      const zip = diffZip(from, withHash, pkg.signature, base.signature !== null);
      // A diff no smaller than the full package only costs the device a copy.
      if (zip.length >= pkg.zipLength) continue;
      out.push({
        appId: pkg.appId,
        releaseId: pkg.releaseId,
        fromHash: base.packageHash,
        zipSha256: await this.putZip(zip),
        zipLength: zip.length,
      });
    }
    return out;
  }

  private async putZip(zip: Uint8Array): Promise<string> {
    const hash = sha256(zip);
    await this.deps.blobs.put(hash, zip, { maxBytes: zip.length });
    return hash;
  }

  private async manifest(manifestSha256: string): Promise<ReleaseManifest> {
    const bytes = await this.deps.blobs.get(manifestSha256);
    if (!bytes) throw new Error(`release manifest ${manifestSha256} is missing from the blob store`);
    return parseManifest(parseJsonObject(bytes, 'release manifest'));
  }

  private async files(manifest: ReleaseManifest): Promise<ZipFile[]> {
    const out: ZipFile[] = [];
    for (const f of manifest.files) {
      const bytes = await this.deps.blobs.get(f.sha256);
      if (!bytes) throw new Error(`file ${f.path} (${f.sha256}) is missing from the blob store`);
      out.push({ path: f.path, bytes });
    }
    return out;
  }
}
