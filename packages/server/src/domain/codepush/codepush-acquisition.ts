import { createHmac, randomBytes } from 'node:crypto';
import type { codepushDeviceApi } from '@updraft/api';
import { codePushLabel, normalizeCodePushAppVersion } from '@updraft/protocol';
import { ApiError, badRequest } from '../api-error.js';
import type { IngestService } from '../ingest-service.js';
import type { Ports, StoredEvent } from '../../persistence/persistence.js';
import { selectCodePushPackage, type CodePushDevice, type LabelledPackage } from './codepush-select.js';
import type { CodePushDeployment } from '../../persistence/codepush/codepush-store.js';

/** What an update check asks, with the names of the current API (the legacy one is mapped onto them). */
export type UpdateCheckQuery = codepushDeviceApi.UpdateCheckQuery;

/** `update_info` in camelCase; the routes snake-case it for the current API. */
export interface UpdateInfo {
  downloadUrl: string;
  description: string;
  isAvailable: boolean;
  isMandatory: boolean;
  appVersion: string;
  targetBinaryRange: string;
  packageHash: string;
  label: string;
  packageSize: number;
  updateAppVersion: boolean;
  shouldRunBinaryVersion: boolean;
  isDisabled: boolean;
}

export interface StatusReport {
  deploymentKey: string;
  appVersion?: string;
  clientUniqueId?: string;
  label?: string;
  status?: string;
  /** The reporting device's network address (counted as a source, never stored; domain/ingest-service.ts). */
  source?: string;
}

export const CODEPUSH_DOWNLOAD_PREFIX = '/v0.1/public/codepush/download';

const deploymentNotFound = () =>
  new ApiError(
    'deployment-not-found',
    'no CodePush deployment has this deployment key; check CodePushDeploymentKey (Info.plist / strings.xml) against `updraft codepush deployment ls`',
  );

/** The device side of the CodePush front door: update checks and status reports. */
export class CodePushAcquisitionService {
  constructor(
    private readonly deps: {
      store: Ports<'releases' | 'rollout' | 'codepush'>;
      ingest: IngestService;
      now: () => number;
    },
  ) {}

  private async deployment(key: string): Promise<CodePushDeployment> {
    const d = await this.deps.store.codepush.getDeployment(key);
    if (!d) throw deploymentNotFound();
    return d;
  }

  async updateCheck(q: UpdateCheckQuery, baseUrl: string): Promise<UpdateInfo> {
    const appVersion = normalizeCodePushAppVersion(q.app_version);
    if (!appVersion) {
      throw badRequest('invalid-request', `app_version "${q.app_version}" is not a version such as 1.2.3`);
    }
    const d = await this.deployment(q.deployment_key);
    const device: CodePushDevice = {
      appVersion,
      packageHash: q.package_hash ?? null,
      label: q.label ?? null,
      clientUniqueId: q.client_unique_id ?? null,
      isCompanion: q.is_companion === 'true',
    };
    const { store } = this.deps;
    const [labels, pointers] = await Promise.all([
      store.codepush.listLabels(d.appId, d.channel, d.platform),
      store.rollout.listPointers(d.appId),
    ]);
    const ids = labels.map((l) => l.releaseId);
    const pkgs = new Map((await store.codepush.listPackages(d.appId, ids)).map((p) => [p.releaseId, p]));
    const releases = new Map(
      await Promise.all(
        [...pkgs.keys()].map(async (id) => [id, await store.releases.getRelease(d.appId, id)] as const),
      ),
    );
    const labelled: LabelledPackage[] = [];
    for (const l of labels) {
      const pkg = pkgs.get(l.releaseId);
      const release = releases.get(l.releaseId);
      if (pkg && release) labelled.push({ label: l, pkg, runtimeVersion: release.runtimeVersion });
    }
    const answer = selectCodePushPackage(
      pointers.filter((p) => p.channel === d.channel && p.platform === d.platform),
      labelled,
      device,
    );
    const none: UpdateInfo = {
      downloadUrl: '',
      description: '',
      isAvailable: false,
      isMandatory: false,
      appVersion,
      targetBinaryRange: appVersion,
      packageHash: '',
      label: '',
      packageSize: 0,
      updateAppVersion: false,
      shouldRunBinaryVersion: false,
      isDisabled: false,
    };
    if (answer.kind === 'none') return none;
    if (answer.kind === 'binary-update')
      return { ...none, updateAppVersion: true, targetBinaryRange: answer.targetRange };
    const { chosen } = answer;
    const info = {
      ...none,
      targetBinaryRange: chosen.pkg.targetRange ?? chosen.runtimeVersion,
      packageHash: chosen.pkg.packageHash,
      label: codePushLabel(chosen.label.seq),
      description: (await store.releases.getReleaseExtras(d.appId, chosen.label.releaseId))?.notes ?? '',
    };
    if (answer.kind === 'current') return info;
    const diff = device.packageHash
      ? await store.codepush.getDiff(d.appId, chosen.label.releaseId, device.packageHash)
      : null;
    const zip = diff ?? chosen.pkg;
    return {
      ...info,
      isAvailable: true,
      isMandatory: answer.mandatory,
      downloadUrl: `${baseUrl}${CODEPUSH_DOWNLOAD_PREFIX}/${encodeURIComponent(d.appId)}/${zip.zipSha256}.zip`,
      packageSize: zip.zipLength,
    };
  }

  /** Whether a zip (package or diff) of this app has this SHA-256: what may be downloaded. */
  hasZip(appId: string, zipSha256: string): Promise<boolean> {
    return this.deps.store.codepush.hasZip(appId, zipSha256);
  }

  /**
   * Feeds fleet insight: a successful deploy counts as installed, launched and app_ready, a
   * failed one as launched and rollback, a download as download_started and
   * download_completed. The client id is never stored: each event's id is a keyed hash of
   * (client id, label, event), so a device reporting twice counts once, and no id links one
   * device's events to each other without the deployment's secret.
   */
  async report(kind: 'deploy' | 'download', r: StatusReport): Promise<void> {
    const d = await this.deployment(r.deploymentKey);
    if (!r.label) return; // a report about the binary itself names no package
    const seq = /^v([1-9]\d{0,8})$/.exec(r.label)?.[1];
    const label = seq
      ? (await this.deps.store.codepush.listLabels(d.appId, d.channel, d.platform)).find((l) => l.seq === Number(seq))
      : undefined;
    if (!label) return; // a label of another server (before the move): nothing to count it against
    const events =
      kind === 'download'
        ? ['download_started', 'download_completed']
        : r.status === 'DeploymentFailed'
          ? ['launched', 'rollback']
          : r.status === 'DeploymentSucceeded'
            ? ['installed', 'launched', 'app_ready']
            : [];
    const nowMs = this.deps.now();
    const stored: StoredEvent[] = events.map((event) => ({
      id: r.clientUniqueId
        ? createHmac('sha256', d.hashSecret)
            .update(`${r.clientUniqueId}\n${r.label}\n${event}`)
            .digest('base64url')
            .slice(0, 22)
        : randomBytes(16).toString('base64url'),
      appId: d.appId,
      platform: d.platform,
      channel: d.channel,
      releaseId: label.releaseId,
      event,
      reason: event === 'rollback' ? 'codepush-deployment-failed' : null,
      binaryVersion: r.appVersion?.slice(0, 64) ?? null,
      at: new Date(nowMs).toISOString(),
      receivedMinute: Math.floor(nowMs / 60_000),
    }));
    if (stored.length > 0) await this.deps.ingest.record(`codepush:${d.deploymentKey}`, d.appId, stored, r.source);
  }
}
