import type { channelsApi } from '@updraft/api';
import { appNotFound, conflict, notFound } from './api-error.js';
import type { Transactional } from '../persistence/persistence.js';
import type { Actor } from './access.js';
import { appendAudit } from './audit-service.js';
import { pointerView } from './release-ops-service.js';

export type ChannelView = channelsApi.Channel;

/** Channels per app (production, staging, any name), each optionally protected. */
export class ChannelsService {
  constructor(private readonly deps: { store: Transactional<'trust' | 'rollout' | 'access'>; now: () => number }) {}

  private async requireApp(appId: string): Promise<void> {
    if (!(await this.deps.store.trust.getApp(appId))) throw appNotFound(appId);
  }

  async list(appId: string): Promise<ChannelView[]> {
    const { store } = this.deps;
    await this.requireApp(appId);
    const pointers = await store.rollout.listPointers(appId);
    return (await store.rollout.listChannels(appId)).map((c) => ({
      name: c.name,
      protected: c.protected,
      createdAt: c.createdAt,
      pointers: pointers.filter((p) => p.channel === c.name).map(pointerView),
    }));
  }

  async create(actor: Actor, appId: string, name: string, isProtected: boolean): Promise<ChannelView> {
    const { store } = this.deps;
    const nowMs = this.deps.now();
    await this.requireApp(appId);
    const at = new Date(nowMs).toISOString();
    await store.transaction(async (tx) => {
      if (!(await tx.rollout.createChannel(appId, name, isProtected, at))) {
        throw conflict('channel-exists', `app ${appId} already has a channel "${name}"`);
      }
      await appendAudit(
        tx,
        actor,
        { appId, action: 'channel.create', target: `channel:${name}`, details: { protected: isProtected } },
        nowMs,
      );
    });
    return { name, protected: isProtected, createdAt: at, pointers: [] };
  }

  /** Protecting is an admin's decision; see access.ts for who may then change the channel. */
  async setProtected(actor: Actor, appId: string, name: string, isProtected: boolean): Promise<ChannelView> {
    const { store } = this.deps;
    const nowMs = this.deps.now();
    await this.requireApp(appId);
    await store.transaction(async (tx) => {
      const channel = await tx.rollout.getChannel(appId, name);
      if (!channel)
        throw notFound(
          'channel-not-found',
          `app ${appId} has no channel "${name}"; create it with POST /v1/apps/${appId}/channels`,
        );
      await tx.rollout.setChannelProtected(appId, name, isProtected);
      await appendAudit(
        tx,
        actor,
        {
          appId,
          action: isProtected ? 'channel.protect' : 'channel.unprotect',
          target: `channel:${name}`,
          details: { protected: isProtected, before: channel.protected },
        },
        nowMs,
      );
    });
    return (await this.list(appId)).find((c) => c.name === name)!;
  }
}
