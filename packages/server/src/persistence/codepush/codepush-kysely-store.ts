import type { Kysely } from 'kysely';
import type { Tables } from '../schema.js';
import type {
  CodePushDeployment,
  CodePushDiff,
  CodePushLabel,
  CodePushPackage,
  CodePushStore,
} from './codepush-store.js';

type Row<T extends keyof Tables> = Tables[T];

const deployment = (r: Row<'codepush_deployments'>): CodePushDeployment => ({
  deploymentKey: r.deployment_key,
  appId: r.app_id,
  name: r.name,
  channel: r.channel,
  platform: r.platform,
  hashSecret: r.hash_secret,
  createdAt: r.created_at,
});

const pkg = (r: Row<'codepush_packages'>): CodePushPackage => ({
  appId: r.app_id,
  releaseId: r.release_id,
  packageHash: r.package_hash,
  signature: r.signature,
  targetRange: r.target_range,
  zipSha256: r.zip_sha256,
  zipLength: Number(r.zip_length),
  createdAt: r.created_at,
});

/** CodePushStore over Kysely: dialect-neutral query builder calls only. */
export class KyselyCodePushStore implements CodePushStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async insertDeployment(d: CodePushDeployment): Promise<boolean> {
    const taken = await this.db
      .selectFrom('codepush_deployments')
      .select('deployment_key')
      .where((eb) =>
        eb.or([
          eb('deployment_key', '=', d.deploymentKey),
          eb.and([eb('app_id', '=', d.appId), eb('name', '=', d.name)]),
        ]),
      )
      .executeTakeFirst();
    if (taken) return false;
    await this.db
      .insertInto('codepush_deployments')
      .values({
        deployment_key: d.deploymentKey,
        app_id: d.appId,
        name: d.name,
        channel: d.channel,
        platform: d.platform,
        hash_secret: d.hashSecret,
        created_at: d.createdAt,
      })
      .execute();
    return true;
  }

  async getDeployment(deploymentKey: string): Promise<CodePushDeployment | null> {
    const r = await this.db
      .selectFrom('codepush_deployments')
      .selectAll()
      .where('deployment_key', '=', deploymentKey)
      .executeTakeFirst();
    return r ? deployment(r) : null;
  }

  async listDeployments(appId: string): Promise<CodePushDeployment[]> {
    const rows = await this.db
      .selectFrom('codepush_deployments')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('name')
      .execute();
    return rows.map(deployment);
  }

  async deleteDeployment(appId: string, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('codepush_deployments')
      .where('app_id', '=', appId)
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async putPackage(p: CodePushPackage): Promise<void> {
    await this.db
      .insertInto('codepush_packages')
      .values({
        app_id: p.appId,
        release_id: p.releaseId,
        package_hash: p.packageHash,
        signature: p.signature,
        target_range: p.targetRange,
        zip_sha256: p.zipSha256,
        zip_length: p.zipLength,
        created_at: p.createdAt,
      })
      .onConflict((oc) => oc.columns(['app_id', 'release_id']).doNothing())
      .execute();
  }

  async getPackage(appId: string, releaseId: string): Promise<CodePushPackage | null> {
    const r = await this.db
      .selectFrom('codepush_packages')
      .selectAll()
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .executeTakeFirst();
    return r ? pkg(r) : null;
  }

  async listPackages(appId: string, releaseIds: readonly string[]): Promise<CodePushPackage[]> {
    if (releaseIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('codepush_packages')
      .selectAll()
      .where('app_id', '=', appId)
      .where('release_id', 'in', [...new Set(releaseIds)])
      .execute();
    return rows.map(pkg);
  }

  async insertLabel(l: CodePushLabel): Promise<void> {
    await this.db
      .insertInto('codepush_labels')
      .values({
        app_id: l.appId,
        channel: l.channel,
        platform: l.platform,
        seq: l.seq,
        release_id: l.releaseId,
        mandatory: l.mandatory ? 1 : 0,
        created_at: l.createdAt,
      })
      .execute();
  }

  async listLabels(appId: string, channel: string, platform: string): Promise<CodePushLabel[]> {
    const rows = await this.db
      .selectFrom('codepush_labels')
      .selectAll()
      .where('app_id', '=', appId)
      .where('channel', '=', channel)
      .where('platform', '=', platform)
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({
      appId: r.app_id,
      channel: r.channel,
      platform: r.platform,
      seq: Number(r.seq),
      releaseId: r.release_id,
      mandatory: Number(r.mandatory) === 1,
      createdAt: r.created_at,
    }));
  }

  async putDiff(d: CodePushDiff): Promise<void> {
    await this.db
      .insertInto('codepush_diffs')
      .values({
        app_id: d.appId,
        release_id: d.releaseId,
        from_hash: d.fromHash,
        zip_sha256: d.zipSha256,
        zip_length: d.zipLength,
      })
      .onConflict((oc) => oc.columns(['app_id', 'release_id', 'from_hash']).doNothing())
      .execute();
  }

  async getDiff(appId: string, releaseId: string, fromHash: string): Promise<CodePushDiff | null> {
    const r = await this.db
      .selectFrom('codepush_diffs')
      .selectAll()
      .where('app_id', '=', appId)
      .where('release_id', '=', releaseId)
      .where('from_hash', '=', fromHash)
      .executeTakeFirst();
    return r
      ? {
          appId: r.app_id,
          releaseId: r.release_id,
          fromHash: r.from_hash,
          zipSha256: r.zip_sha256,
          zipLength: Number(r.zip_length),
        }
      : null;
  }

  async hasZip(appId: string, zipSha256: string): Promise<boolean> {
    const full = await this.db
      .selectFrom('codepush_packages')
      .select('release_id')
      .where('app_id', '=', appId)
      .where('zip_sha256', '=', zipSha256)
      .executeTakeFirst();
    if (full) return true;
    const diff = await this.db
      .selectFrom('codepush_diffs')
      .select('release_id')
      .where('app_id', '=', appId)
      .where('zip_sha256', '=', zipSha256)
      .executeTakeFirst();
    return diff !== undefined;
  }
}
