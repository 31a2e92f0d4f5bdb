import { randomUUID } from 'node:crypto';
import type { TargetingRules } from '@updraft/protocol';
import type { MetadataStore, ReleaseRecord, ScheduledDeployment } from '../store/index.js';
import type { Actor } from './access.js';
import { appendAudit } from './audit.js';
import {
  assertNotOlderThanChannel,
  pointChannelAt,
  resignPointers,
  settingsDetails,
  type DeploySettings,
} from './deployments.js';

/** Scheduled starts: publish or promote with `startAt` records one; the server applies it when due. */

/**
 * Applies every scheduled start that is due. Each one is claimed (scheduled → applied) in
 * the same transaction that moves the pointer, so with several server instances exactly
 * one applies it. A start that became invalid (release disabled, channel moved past it) is
 * marked failed with the reason and audited.
 */
export async function applyDueSchedules(
  store: MetadataStore,
  nowMs: number,
): Promise<{ applied: string[]; failed: string[] }> {
  const due = await store.control.dueSchedules(new Date(nowMs).toISOString(), 50);
  const applied: string[] = [];
  const failed: string[] = [];
  for (const s of due) {
    const actor = await scheduleActor(store, s);
    try {
      await store.transaction(async (tx) => {
        if (!(await tx.control.setScheduleStatus(s.id, 'scheduled', 'applied', new Date(nowMs).toISOString()))) return;
        const release = await tx.getRelease(s.appId, s.releaseId);
        if (!release) throw new Error(`scheduled release ${s.releaseId} is missing`);
        await assertNotOlderThanChannel(tx, s.appId, s.channel, release);
        const settings = {
          basisPoints: s.basisPoints,
          mandatory: s.mandatory,
          targeting: s.targeting as TargetingRules | null,
        };
        const pointer = await pointChannelAt(tx, s.appId, s.channel, release, settings, nowMs);
        const signingKeyIds = await resignPointers(tx, s.appId, nowMs);
        await appendAudit(
          tx,
          actor,
          {
            appId: s.appId,
            action: 'schedule.apply',
            target: `channel:${s.channel}/${release.platform}/${release.runtimeVersion}`,
            releaseId: s.releaseId,
            manifestSha256: release.manifestSha256,
            signingKeyIds,
            details: {
              scheduleId: s.id,
              startAt: s.startAt,
              ...settingsDetails(settings),
              previousReleaseId: pointer.previousReleaseId,
            },
          },
          nowMs,
        );
        applied.push(s.id);
      });
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      await store.transaction(async (tx) => {
        if (!(await tx.control.setScheduleStatus(s.id, 'scheduled', 'failed', new Date(nowMs).toISOString(), detail)))
          return;
        await appendAudit(
          tx,
          actor,
          {
            appId: s.appId,
            action: 'schedule.fail',
            target: `channel:${s.channel}`,
            releaseId: s.releaseId,
            details: { scheduleId: s.id, reason: detail },
          },
          nowMs,
        );
        failed.push(s.id);
      });
    }
  }
  return { applied, failed };
}

/** Records a future start; the scheduler applies it (applyDueSchedules). */
export async function scheduleDeployment(
  tx: MetadataStore,
  actor: Actor,
  appId: string,
  channel: string,
  release: ReleaseRecord,
  settings: DeploySettings,
  startAt: string,
  nowMs: number,
): Promise<ScheduledDeployment> {
  const at = new Date(nowMs).toISOString();
  await tx.ensureChannel(appId, channel, at);
  const s: ScheduledDeployment = {
    id: randomUUID(),
    appId,
    channel,
    releaseId: release.releaseId,
    basisPoints: settings.basisPoints,
    mandatory: settings.mandatory,
    targeting: settings.targeting && Object.keys(settings.targeting).length > 0 ? { ...settings.targeting } : null,
    startAt,
    status: 'scheduled',
    detail: null,
    createdAt: at,
    createdBy: actor.id,
    updatedAt: at,
  };
  await tx.control.insertSchedule(s);
  await appendAudit(
    tx,
    actor,
    {
      appId,
      action: 'release.schedule',
      target: `channel:${channel}/${release.platform}/${release.runtimeVersion}`,
      releaseId: release.releaseId,
      manifestSha256: release.manifestSha256,
      details: { scheduleId: s.id, startAt, ...settingsDetails(settings) },
    },
    nowMs,
  );
  return s;
}

/** The audit actor of a scheduled start: whoever scheduled it. */
async function scheduleActor(store: MetadataStore, s: ScheduledDeployment): Promise<Actor> {
  const p = await store.control.getPrincipal(s.createdBy);
  const orgId = (await store.control.getAppOrg(s.appId)) ?? p?.orgId ?? 'default';
  return {
    id: s.createdBy,
    orgId,
    name: p ? `${p.name} (scheduled)` : 'scheduler',
    kind: p?.kind ?? 'service',
    role: p?.role ?? 'viewer',
    scopes: [],
    requestId: `schedule:${s.id}`,
  };
}
