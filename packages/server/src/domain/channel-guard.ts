import { notFound } from './api-error.js';
import type { Ports } from '../persistence/persistence.js';
import { assertMayChangeChannel, CHANNEL_CREATE, checkAccess, type Actor } from './access.js';
import { appendAudit } from './audit-service.js';

/**
 * The channel a publish or promote points at, checked inside the publish transaction: an unknown name is
 * refused with the app's channel names (a typo must not open a new channel), unless the
 * publisher asked to create it and may create channels; then who may change it.
 */
export async function channelToChange(
  tx: Ports<'rollout' | 'access'>,
  actor: Actor,
  appId: string,
  request: { channel: string; createChannel?: boolean },
  nowMs: number,
): Promise<void> {
  const name = request.channel;
  let channel = await tx.rollout.getChannel(appId, name);
  if (!channel) {
    if (!request.createChannel) {
      const names = (await tx.rollout.listChannels(appId)).map((c) => c.name);
      throw notFound(
        'channel-not-found',
        `app ${appId} has no channel "${name}"; its channels are: ${names.join(', ') || '(none)'}. ` +
          'Publish to one of them, or pass --create-channel (createChannel: true) with a key that may create channels',
      );
    }
    checkAccess(actor, CHANNEL_CREATE);
    await tx.rollout.createChannel(appId, name, false, new Date(nowMs).toISOString());
    await appendAudit(
      tx,
      actor,
      { appId, action: 'channel.create', target: `channel:${name}`, details: { protected: false, by: 'publish' } },
      nowMs,
    );
    channel = { name, protected: false, createdAt: new Date(nowMs).toISOString() };
  }
  assertMayChangeChannel(actor, appId, channel);
}
