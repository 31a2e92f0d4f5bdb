import type { Kysely, Selectable } from 'kysely';
import type { RolloutStore, ScheduleStatus, ScheduledDeployment } from '../rollout-store.js';
import type { Tables, ScheduledDeploymentsTable } from '../schema.js';
import { json, parseJson } from './table-util.js';

type ScheduleAccess = Pick<
  RolloutStore,
  'insertSchedule' | 'listSchedules' | 'dueSchedules' | 'pendingSchedulesBy' | 'setScheduleStatus'
>;

/** Deployments scheduled for later, each claimed by exactly one writer when it comes due. */
export class ScheduleQueries implements ScheduleAccess {
  constructor(private readonly db: Kysely<Tables>) {}

  async insertSchedule(s: ScheduledDeployment): Promise<void> {
    await this.db
      .insertInto('scheduled_deployments')
      .values({
        id: s.id,
        app_id: s.appId,
        channel: s.channel,
        release_id: s.releaseId,
        basis_points: s.basisPoints,
        mandatory: s.mandatory ? 1 : 0,
        targeting_json: json(s.targeting),
        start_at: s.startAt,
        status: s.status,
        detail: s.detail,
        created_at: s.createdAt,
        created_by: s.createdBy,
        updated_at: s.updatedAt,
      })
      .execute();
  }

  async listSchedules(appId: string, filter: { releaseId?: string; status?: ScheduleStatus } = {}) {
    let q = this.db.selectFrom('scheduled_deployments').selectAll().where('app_id', '=', appId);
    if (filter.releaseId !== undefined) q = q.where('release_id', '=', filter.releaseId);
    if (filter.status !== undefined) q = q.where('status', '=', filter.status);
    return (await q.orderBy('start_at').orderBy('id').execute()).map(toSchedule);
  }

  async dueSchedules(nowIso: string, limit: number): Promise<ScheduledDeployment[]> {
    const rows = await this.db
      .selectFrom('scheduled_deployments')
      .selectAll()
      .where('status', '=', 'scheduled')
      .where('start_at', '<=', nowIso)
      .orderBy('start_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toSchedule);
  }

  async pendingSchedulesBy(principalId: string): Promise<ScheduledDeployment[]> {
    const rows = await this.db
      .selectFrom('scheduled_deployments')
      .selectAll()
      .where('created_by', '=', principalId)
      .where('status', '=', 'scheduled')
      .orderBy('start_at')
      .orderBy('id')
      .execute();
    return rows.map(toSchedule);
  }

  async setScheduleStatus(
    id: string,
    from: ScheduleStatus,
    to: ScheduleStatus,
    at: string,
    detail?: string,
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('scheduled_deployments')
      .set({ status: to, updated_at: at, ...(detail !== undefined ? { detail } : {}) })
      .where('id', '=', id)
      .where('status', '=', from)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}

function toSchedule(r: Selectable<ScheduledDeploymentsTable>): ScheduledDeployment {
  return {
    id: r.id,
    appId: r.app_id,
    channel: r.channel,
    releaseId: r.release_id,
    basisPoints: Number(r.basis_points),
    mandatory: r.mandatory !== 0,
    targeting: parseJson(r.targeting_json),
    startAt: r.start_at,
    status: r.status as ScheduleStatus,
    detail: r.detail,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
  };
}
