import { randomUUID } from 'node:crypto';
import type { TargetingRules } from '@updraft/protocol';
import type { Ports, Transactional, ReleaseRecord, ScheduledDeployment } from '../persistence/persistence.js';
import { assertMayChangeChannel, checkAccess, mayReachApp, type Access, type Actor } from './access.js';
import { appendAudit } from './audit-service.js';
import { assertListed } from './releases-in-use.js';
import { withResignRetry } from './resign-retry.js';
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
 * one applies it. A start that became invalid (release disabled or no longer in the signed
 * listing, channel moved past it) is marked failed with the reason and audited.
 */
export async function applyDueSchedules(
  store: Transactional<'trust' | 'releases' | 'rollout' | 'access' | 'transparencyLog' | 'codepush'>,
  nowMs: number,
): Promise<{ applied: string[]; failed: string[] }> {
  const due = await store.rollout.dueSchedules(new Date(nowMs).toISOString(), 50);
  const applied: string[] = [];
  const failed: string[] = [];
  for (const s of due) {
    let actor = (await scheduler(store, s, nowMs)).actor;
    try {
      const claimed = await withResignRetry(
        store,
        s.appId,
        async (tx) => {
          if (!(await tx.rollout.setScheduleStatus(s.id, 'scheduled', 'applied', new Date(nowMs).toISOString())))
            return false;
          const who = await scheduler(tx, s, nowMs);
          actor = who.actor;
          if (who.problem) throw new Error(`not applied: ${who.problem}`);
          const release = await tx.releases.getRelease(s.appId, s.releaseId);
          if (!release) throw new Error(`scheduled release ${s.releaseId} is missing`);
          await assertListed(tx, s.appId, s.releaseId, s.channel);
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
          return true;
        },
        () => new LostRace(),
      );
      if (claimed) applied.push(s.id);
    } catch (err) {
      // Other changes kept landing at the same moment: the start stays due for the next pass.
      if (err instanceof LostRace) continue;
      const detail = err instanceof Error ? err.message : String(err);
      await store.transaction(async (tx) => {
        if (!(await tx.rollout.setScheduleStatus(s.id, 'scheduled', 'failed', new Date(nowMs).toISOString(), detail)))
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

/** A start whose every run lost the race to re-sign (withResignRetry): not a failure of the start. */
class LostRace extends Error {}

/** Records a future start; the scheduler applies it (applyDueSchedules). */
export async function scheduleDeployment(
  tx: Ports<'rollout' | 'access'>,
  actor: Actor,
  appId: string,
  channel: string,
  release: ReleaseRecord,
  settings: DeploySettings,
  startAt: string,
  nowMs: number,
): Promise<ScheduledDeployment> {
  const at = new Date(nowMs).toISOString();
  await tx.rollout.ensureChannel(appId, channel, at);
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
  await tx.rollout.insertSchedule(s);
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

/** Who may apply a start: what publish (scope publish) or promote (scope release) needed. */
const APPLY_ACCESS: Access = { role: 'developer', scopes: ['publish', 'release'] };

/**
 * Whoever scheduled a start, as they are now (the audit actor), and why they may no longer
 * move the channel, if so: revoked, expired or disabled, moved to another organization or
 * app list, a lower role or scope, or a channel protected since. Read inside the transaction
 * that applies the start, so authorization holds at the time the change happens.
 */
async function scheduler(
  tx: Ports<'rollout' | 'access'>,
  s: ScheduledDeployment,
  nowMs: number,
): Promise<{ actor: Actor; problem: string | null }> {
  const appOrg = await tx.access.getAppOrg(s.appId);
  const base = { id: s.createdBy, orgId: appOrg ?? 'default', requestId: `schedule:${s.id}` };
  const key = await tx.access.getPrincipal(s.createdBy);
  const user = key ? null : await tx.access.getUser(s.createdBy);
  let actor: Actor;
  let problem: string | null = null;
  if (key) {
    actor = { ...base, name: `${key.name} (scheduled)`, kind: key.kind, role: key.role, scopes: key.scopes };
    actor.apps = key.apps;
    if (key.revokedAt) problem = `the key "${key.name}" that scheduled it was revoked at ${key.revokedAt}`;
    else if (key.expiresAt && Date.parse(key.expiresAt) <= nowMs)
      problem = `the key "${key.name}" that scheduled it expired at ${key.expiresAt}`;
    else if (key.orgId !== appOrg) problem = `the key "${key.name}" no longer belongs to the app's organization`;
  } else if (user) {
    actor = { ...base, name: `${user.email} (scheduled)`, kind: 'member', role: user.role, scopes: ['*'] };
    if (user.disabledAt) problem = `the user ${user.email} who scheduled it was disabled at ${user.disabledAt}`;
    else if (user.orgId !== appOrg) problem = `the user ${user.email} no longer belongs to the app's organization`;
  } else {
    actor = { ...base, name: 'scheduler', kind: 'service', role: 'viewer', scopes: [] };
    problem = 'whoever scheduled it no longer exists';
  }
  if (problem === null) {
    try {
      checkAccess(actor, APPLY_ACCESS);
      if (!mayReachApp(actor, s.appId)) throw new Error(`"${actor.name}" may no longer reach ${s.appId}`);
      assertMayChangeChannel(actor, s.appId, await tx.rollout.getChannel(s.appId, s.channel));
    } catch (err) {
      problem = err instanceof Error ? err.message : String(err);
    }
  }
  return { actor, problem };
}

/**
 * Revoking a key or disabling a user cancels the starts it scheduled (in the caller's
 * transaction), each audited: a credential taken away must not keep acting later.
 */
export async function cancelPendingStarts(
  tx: Ports<'rollout' | 'access'>,
  actor: Actor,
  principalId: string,
  reason: string,
  nowMs: number,
): Promise<string[]> {
  const cancelled: string[] = [];
  for (const s of await tx.rollout.pendingSchedulesBy(principalId)) {
    if (!(await tx.rollout.setScheduleStatus(s.id, 'scheduled', 'cancelled', new Date(nowMs).toISOString(), reason)))
      continue;
    // The audit chain is per organization: the entry goes to the app's.
    const orgId = (await tx.access.getAppOrg(s.appId)) ?? actor.orgId;
    await appendAudit(
      tx,
      { ...actor, orgId },
      {
        appId: s.appId,
        action: 'schedule.cancel',
        target: `channel:${s.channel}`,
        releaseId: s.releaseId,
        details: { scheduleId: s.id, startAt: s.startAt, reason },
      },
      nowMs,
    );
    cancelled.push(s.id);
  }
  return cancelled;
}
