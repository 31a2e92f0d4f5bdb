import type { Ports } from '../../persistence/persistence.js';

/**
 * Gives a release a new label (`v<n+1>`) on a channel and platform when it becomes what the
 * channel serves and it is not already the newest label there. Called inside the transaction
 * that points the channel (publish, promote, scheduled start) and when the package is
 * registered after its publish. Releases without a CodePush package get no label.
 */
export async function assignCodePushLabel(
  tx: Ports<'codepush'>,
  pointer: { appId: string; channel: string; platform: string; releaseId: string; mandatory: boolean },
  at: string,
): Promise<void> {
  const { appId, channel, platform, releaseId } = pointer;
  if (!(await tx.codepush.getPackage(appId, releaseId))) return;
  const labels = await tx.codepush.listLabels(appId, channel, platform);
  const newest = labels.at(-1);
  if (newest?.releaseId === releaseId) return;
  await tx.codepush.insertLabel({
    appId,
    channel,
    platform,
    seq: (newest?.seq ?? 0) + 1,
    releaseId,
    mandatory: pointer.mandatory,
    createdAt: at,
  });
}
