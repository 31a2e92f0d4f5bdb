import type { channelsApi, releaseOpsApi } from '@updraft/api';
import { signedForChannel } from '@updraft/protocol';
import { appNotFound, conflict, notFound, trustNotInitialized } from './api-error.js';
import type {
  PointerRecord,
  Ports,
  ReleaseRecord,
  ScheduledDeployment,
  Transactional,
} from '../persistence/persistence.js';
import { assertMayChangeChannel, type Actor } from './access.js';
import { appendAudit } from './audit-service.js';
import { channelToChange } from './channel-guard.js';
import { assertListed, listedRelease } from './releases-in-use.js';
import { withResignRetry } from './resign-retry.js';
import { applyDueSchedules, scheduleDeployment } from './schedules.js';
import {
  assertNotOlderThanChannel,
  checkedTargeting,
  FULL_ROLLOUT,
  pointChannelAt,
  resignPointers,
  parseStartAt,
  settingsDetails,
  signedChannels,
  type DeploySettings,
} from './deployments.js';

/** The API's views of a pointer and a release (@updraft/api declares them with their schemas). */
export type PointerView = channelsApi.Pointer;
export type ReleaseDetails = releaseOpsApi.ReleaseDetails;

export type PromoteInput = releaseOpsApi.PromoteBody;

export function pointerView(p: PointerRecord): PointerView {
  return {
    channel: p.channel,
    platform: p.platform,
    runtimeVersion: p.runtimeVersion,
    releaseId: p.releaseId,
    previousReleaseId: p.previousReleaseId,
    basisPoints: p.basisPoints,
    effectiveBasisPoints: p.haltedAt ? 0 : p.basisPoints,
    halted: p.haltedAt !== null,
    mandatory: p.mandatory,
    targeting: p.targeting,
    updatedAt: p.updatedAt,
  };
}

/** Release operations after publish: show, promote, rollout, halt, resume, disable, notes, scheduled starts. */
export class ReleaseOpsService {
  constructor(
    private readonly deps: {
      store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'transparencyLog' | 'codepush'>;
      now: () => number;
    },
  ) {}

  private async requireRelease(
    store: Ports<'trust' | 'releases'>,
    appId: string,
    releaseId: string,
  ): Promise<ReleaseRecord> {
    const app = await store.trust.getApp(appId);
    if (!app) throw appNotFound(appId);
    if (!app.trustInitializedAt) throw trustNotInitialized(appId);
    const release = await store.releases.getRelease(appId, releaseId);
    if (!release) {
      throw notFound(
        'release-not-found',
        `app ${appId} has no release "${releaseId}"; list them with GET /v1/apps/${appId}/releases`,
      );
    }
    return release;
  }

  async show(appId: string, releaseId: string): Promise<ReleaseDetails> {
    const { store } = this.deps;
    const r = await this.requireRelease(store, appId, releaseId);
    const extras = await store.releases.getReleaseExtras(appId, releaseId);
    const pointers = await store.rollout.listPointers(appId);
    return {
      releaseId: r.releaseId,
      versionCode: r.versionCode,
      epoch: r.epoch,
      platform: r.platform,
      runtimeVersion: r.runtimeVersion,
      channel: r.channel,
      manifestSha256: r.manifestSha256,
      manifestLength: r.manifestLength,
      releasesVersion: r.releasesVersion,
      listed: (await listedRelease(store, appId, releaseId)) !== null,
      createdAt: r.createdAt,
      notes: extras?.notes ?? null,
      disabledAt: extras?.disabledAt ?? null,
      allowedChannels: await signedChannels(store, r),
      current: pointers.filter((p) => p.releaseId === releaseId).map(pointerView),
      previousOf: pointers.filter((p) => p.previousReleaseId === releaseId).map(pointerView),
      schedules: await store.rollout.listSchedules(appId, { releaseId }),
    };
  }

  /**
   * Serves an already signed release on another channel: no upload, no signature by the
   * publisher — the director (server) signs the new pointer. The release's signed channel
   * list must allow the channel (the server cannot extend what the publisher signed), and the
   * app's signed listing must still have it (devices verify the pointer's release there).
   */
  async promote(
    actor: Actor,
    appId: string,
    releaseId: string,
    input: PromoteInput,
  ): Promise<{ scheduled: ScheduledDeployment | null; pointer: PointerView | null }> {
    const { store } = this.deps;
    const nowMs = this.deps.now();
    const release = await this.requireRelease(store, appId, releaseId);
    // Fails fast; the deciding check is repeated in the transaction.
    await assertListed(store, appId, releaseId, input.channel);
    const allowed = await signedChannels(store, release);
    if (!signedForChannel({ channels: allowed }, input.channel)) {
      throw conflict(
        'channel-not-allowed',
        `release ${releaseId} is signed only for channels ${JSON.stringify(allowed)}, not "${input.channel}"; ` +
          'the server cannot change what the publisher signed: publish with --allow-channels including it (or *)',
        { allowedChannels: allowed },
      );
    }
    const settings: DeploySettings = {
      basisPoints: input.basisPoints ?? FULL_ROLLOUT,
      mandatory: input.mandatory ?? false,
      targeting: checkedTargeting(input.targeting),
    };
    const startAt = parseStartAt(input.startAt, nowMs);
    return withResignRetry(store, appId, async (tx) => {
      // Decided inside the transaction that moves the pointer: a protection or a disable
      // that lands meanwhile is seen.
      if ((await tx.releases.getReleaseExtras(appId, releaseId))?.disabledAt) {
        throw conflict(
          'release-disabled',
          `release ${releaseId} is disabled and cannot be served again; publish a new release`,
        );
      }
      await channelToChange(tx, actor, appId, { channel: input.channel }, nowMs);
      await assertListed(tx, appId, releaseId, input.channel);
      await assertNotOlderThanChannel(tx, appId, input.channel, release);
      if (startAt) {
        const scheduled = await scheduleDeployment(tx, actor, appId, input.channel, release, settings, startAt, nowMs);
        return { scheduled, pointer: null };
      }
      const pointer = await pointChannelAt(tx, appId, input.channel, release, settings, nowMs);
      const signingKeyIds = await resignPointers(tx, appId, nowMs);
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action: 'release.promote',
          target: `channel:${input.channel}/${release.platform}/${release.runtimeVersion}`,
          releaseId,
          manifestSha256: release.manifestSha256,
          signingKeyIds,
          details: { ...settingsDetails(settings), previousReleaseId: pointer.previousReleaseId },
        },
        nowMs,
      );
      return { scheduled: null, pointer: pointerView(pointer) };
    });
  }

  /** Changes one pointer whose current release is `releaseId`, re-signs, and audits. */
  private async changePointer(
    actor: Actor,
    appId: string,
    releaseId: string,
    channel: string,
    action: string,
    change: (p: PointerRecord, at: string) => PointerRecord,
    extraDetails: Record<string, unknown> = {},
  ): Promise<PointerView> {
    const { store } = this.deps;
    const nowMs = this.deps.now();
    const release = await this.requireRelease(store, appId, releaseId);
    return withResignRetry(store, appId, async (tx) => {
      assertMayChangeChannel(actor, appId, await tx.rollout.getChannel(appId, channel));
      const p = await tx.rollout.getPointer(appId, channel, release.platform, release.runtimeVersion);
      if (!p || p.releaseId !== releaseId) {
        throw conflict(
          'not-current',
          `release ${releaseId} is not the current release of channel "${channel}" for ${release.platform} ${release.runtimeVersion}` +
            (p ? ` (that is ${p.releaseId})` : ' (the channel serves nothing there)'),
        );
      }
      const next = change(p, new Date(nowMs).toISOString());
      await tx.rollout.putPointer(next);
      const signingKeyIds = await resignPointers(tx, appId, nowMs);
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action,
          target: `channel:${channel}/${release.platform}/${release.runtimeVersion}`,
          releaseId,
          manifestSha256: release.manifestSha256,
          signingKeyIds,
          details: {
            basisPoints: next.basisPoints,
            halted: next.haltedAt !== null,
            before: { basisPoints: p.basisPoints, halted: p.haltedAt !== null },
            ...extraDetails,
          },
        },
        nowMs,
      );
      return pointerView(next);
    });
  }

  /** Sets the percentage (and resumes a halted rollout). Raising it only adds devices. */
  rollout(actor: Actor, appId: string, releaseId: string, channel: string, basisPoints: number): Promise<PointerView> {
    return this.changePointer(actor, appId, releaseId, channel, 'release.rollout', (p, at) => ({
      ...p,
      basisPoints,
      haltedAt: null,
      updatedAt: at,
    }));
  }

  /**
   * Stops the rollout: devices not yet updated get `previous`; the percentage is kept for
   * resume. `details` adds to the audit entry (the guardrail records why it halted).
   */
  halt(
    actor: Actor,
    appId: string,
    releaseId: string,
    channel: string,
    details: Record<string, unknown> = {},
  ): Promise<PointerView> {
    return this.changePointer(
      actor,
      appId,
      releaseId,
      channel,
      'release.halt',
      (p, at) => {
        if (p.haltedAt)
          throw conflict(
            'already-halted',
            `the rollout of ${releaseId} on ${channel} is already halted (since ${p.haltedAt})`,
          );
        return { ...p, haltedAt: at, updatedAt: at };
      },
      details,
    );
  }

  resume(actor: Actor, appId: string, releaseId: string, channel: string): Promise<PointerView> {
    return this.changePointer(actor, appId, releaseId, channel, 'release.resume', (p, at) => {
      if (!p.haltedAt) throw conflict('not-halted', `the rollout of ${releaseId} on ${channel} is not halted`);
      return { ...p, haltedAt: null, updatedAt: at };
    });
  }

  /**
   * Never serve the release again: every channel serving it goes back to its previous
   * release (or serves nothing), it is dropped as anyone's `previous`, and its scheduled
   * starts are cancelled. Devices that already run it keep it (they never downgrade); to
   * move them, publish a rollback.
   */
  async disable(actor: Actor, appId: string, releaseId: string): Promise<ReleaseDetails> {
    const { store } = this.deps;
    const nowMs = this.deps.now();
    const release = await this.requireRelease(store, appId, releaseId);
    await withResignRetry(store, appId, async (tx) => {
      const affected = (await tx.rollout.listPointers(appId)).filter(
        (p) => p.releaseId === releaseId || p.previousReleaseId === releaseId,
      );
      for (const name of new Set(affected.map((p) => p.channel))) {
        assertMayChangeChannel(actor, appId, await tx.rollout.getChannel(appId, name));
      }
      const extras = await tx.releases.getReleaseExtras(appId, releaseId);
      if (extras?.disabledAt)
        throw conflict('release-disabled', `release ${releaseId} was already disabled at ${extras.disabledAt}`);
      const at = new Date(nowMs).toISOString();
      await tx.releases.setReleaseDisabled(appId, releaseId, at);
      const reverted: string[] = [];
      for (const p of await tx.rollout.listPointers(appId)) {
        if (p.releaseId === releaseId) {
          if (p.previousReleaseId) {
            await tx.rollout.putPointer({
              ...p,
              releaseId: p.previousReleaseId,
              targeting: p.previousTargeting,
              previousReleaseId: null,
              previousTargeting: null,
              basisPoints: FULL_ROLLOUT,
              haltedAt: null,
              mandatory: false,
              updatedAt: at,
            });
            reverted.push(`${p.channel}/${p.platform}/${p.runtimeVersion}→${p.previousReleaseId}`);
          } else {
            await tx.rollout.deletePointer(appId, p.channel, p.platform, p.runtimeVersion);
            reverted.push(`${p.channel}/${p.platform}/${p.runtimeVersion}→none`);
          }
        } else if (p.previousReleaseId === releaseId) {
          await tx.rollout.putPointer({ ...p, previousReleaseId: null, previousTargeting: null, updatedAt: at });
        }
      }
      for (const s of await tx.rollout.listSchedules(appId, { releaseId, status: 'scheduled' })) {
        await tx.rollout.setScheduleStatus(s.id, 'scheduled', 'cancelled', at, 'release disabled');
      }
      const signingKeyIds = await resignPointers(tx, appId, nowMs);
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action: 'release.disable',
          target: `release:${releaseId}`,
          releaseId,
          manifestSha256: release.manifestSha256,
          signingKeyIds,
          details: { reverted },
        },
        nowMs,
      );
    });
    return this.show(appId, releaseId);
  }

  async setNotes(actor: Actor, appId: string, releaseId: string, notes: string | null): Promise<ReleaseDetails> {
    const { store } = this.deps;
    const nowMs = this.deps.now();
    const release = await this.requireRelease(store, appId, releaseId);
    await store.transaction(async (tx) => {
      await tx.releases.setReleaseNotes(appId, releaseId, notes);
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action: 'release.notes',
          target: `release:${releaseId}`,
          releaseId,
          manifestSha256: release.manifestSha256,
          details: { notes },
        },
        nowMs,
      );
    });
    return this.show(appId, releaseId);
  }

  /** Applies every scheduled start that is due (schedules.ts). */
  applyDueSchedules(): Promise<{ applied: string[]; failed: string[] }> {
    return applyDueSchedules(this.deps.store, this.deps.now());
  }
}
