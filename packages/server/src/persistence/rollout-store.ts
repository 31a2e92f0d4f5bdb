/**
 * Rollout: channels (and their protection), the pointers saying which release each (channel,
 * platform, runtimeVersion) serves with its rollout state, and scheduled starts.
 */

export interface ChannelRecord {
  appId: string;
  name: string;
  protected: boolean;
  createdAt: string;
}

/**
 * Which release a (channel, platform, runtimeVersion) serves, with its rollout state and signed
 * targeting; the director signs one target per pointer.
 */
export interface PointerRecord {
  appId: string;
  channel: string;
  platform: string;
  runtimeVersion: string;
  releaseId: string;
  /** What devices outside the rollout get; null = nothing. */
  previousReleaseId: string | null;
  /** The intended percentage; the director signs 0 while halted. */
  basisPoints: number;
  /** Random per pointer and kept across releases, so a device's bucket stays put. */
  salt: string;
  mandatory: boolean;
  haltedAt: string | null;
  targeting: Record<string, unknown> | null;
  previousTargeting: Record<string, unknown> | null;
  updatedAt: string;
}

export type ScheduleStatus = 'scheduled' | 'applied' | 'cancelled' | 'failed';

export interface ScheduledDeployment {
  id: string;
  appId: string;
  channel: string;
  releaseId: string;
  basisPoints: number;
  mandatory: boolean;
  targeting: Record<string, unknown> | null;
  startAt: string;
  status: ScheduleStatus;
  detail: string | null;
  createdAt: string;
  /** The principal id that scheduled it: the actor of the audit entry when it applies. */
  createdBy: string;
  updatedAt: string;
}

export interface RolloutStore {
  /** Creates the channel unless it exists. */
  ensureChannel(appId: string, name: string, at: string): Promise<void>;
  listChannels(appId: string): Promise<ChannelRecord[]>;
  /** False when the channel exists. */
  createChannel(appId: string, name: string, isProtected: boolean, at: string): Promise<boolean>;
  getChannel(appId: string, name: string): Promise<{ name: string; protected: boolean; createdAt: string } | null>;
  setChannelProtected(appId: string, name: string, isProtected: boolean): Promise<void>;
  listPointers(appId: string): Promise<PointerRecord[]>;
  getPointer(appId: string, channel: string, platform: string, runtimeVersion: string): Promise<PointerRecord | null>;
  /** Inserts or replaces the pointer of (app, channel, platform, runtimeVersion), every field. */
  putPointer(pointer: PointerRecord): Promise<void>;
  deletePointer(appId: string, channel: string, platform: string, runtimeVersion: string): Promise<void>;
  insertSchedule(s: ScheduledDeployment): Promise<void>;
  listSchedules(
    appId: string,
    filter?: { releaseId?: string; status?: ScheduleStatus },
  ): Promise<ScheduledDeployment[]>;
  dueSchedules(nowIso: string, limit: number): Promise<ScheduledDeployment[]>;
  /** The starts a principal (key or user) scheduled that have not happened yet, any app. */
  pendingSchedulesBy(principalId: string): Promise<ScheduledDeployment[]>;
  /** Moves a schedule out of `from`; false when another writer already did (the claim failed). */
  setScheduleStatus(
    id: string,
    from: ScheduleStatus,
    to: ScheduleStatus,
    at: string,
    detail?: string,
  ): Promise<boolean>;
}
