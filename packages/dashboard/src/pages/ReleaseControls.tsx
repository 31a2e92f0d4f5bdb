import { useState, type ReactNode } from 'react';
import { ROLLOUT_BUCKETS, signedForChannel } from '@updraft/protocol';
import { call, pointerState, type Channel, type Me, type Pointer, type ReleaseDetails } from '../api.js';
import { ActionButton, Badge } from '../components/ui.js';

/** Release operations on a channel: shown only when the caller's role (and the channel's protection) allows them. */
export function mayChange(me: Me, isProtected: boolean): boolean {
  return me.may['releaseOps'] === true && (!isProtected || me.may['releaseOpsProtected'] === true);
}

export function ChannelControl({
  me,
  appId,
  releaseId,
  pointer,
  isProtected,
  haltedByGuardrail,
  onChange,
}: {
  me: Me;
  appId: string;
  releaseId: string;
  pointer: Pointer;
  isProtected: boolean;
  /** The guardrail (not a person) halted this rollout. */
  haltedByGuardrail: boolean;
  onChange: () => void;
}) {
  const [percent, setPercent] = useState(pointer.basisPoints / 100);
  const params = { appId, releaseId };
  const op = (run: () => Promise<unknown>) => async () => {
    await run();
    onChange();
  };
  const allowed = mayChange(me, isProtected);
  return (
    <div className="control" data-testid={`channel-${pointer.channel}`}>
      <h3>
        {pointer.channel}{' '}
        <span className="muted">
          {pointer.platform} {pointer.runtimeVersion}
        </span>{' '}
        {isProtected && <Badge tone="muted">protected</Badge>}{' '}
        <span data-testid="pointer-state">
          <Badge tone={pointer.halted ? 'bad' : pointer.basisPoints >= ROLLOUT_BUCKETS ? 'ok' : 'warn'}>
            {pointerState(pointer, haltedByGuardrail)}
          </Badge>
        </span>
      </h3>
      <p>
        Rollout <strong data-testid="rollout-value">{pointer.basisPoints / 100} %</strong>
        {pointer.halted && ' (kept while halted: devices not yet updated get the previous release)'}
        {pointer.previousReleaseId && <span className="muted"> · previous: {pointer.previousReleaseId}</span>}
      </p>
      {allowed ? (
        <div className="row">
          <input
            type="range"
            min={0}
            max={100}
            step={1}
            value={percent}
            aria-label="rollout percentage"
            data-testid="rollout-slider"
            onChange={(e) => setPercent(Number(e.target.value))}
          />
          <input
            type="number"
            min={0}
            max={100}
            step={0.01}
            value={percent}
            aria-label="rollout percentage (number)"
            data-testid="rollout-input"
            onChange={(e) => setPercent(Number(e.target.value))}
          />
          <ActionButton
            label={`Set rollout to ${percent} %`}
            testId="apply-rollout"
            run={op(() =>
              call('POST /v1/apps/:appId/releases/:releaseId/rollout', {
                params,
                body: { channel: pointer.channel, basisPoints: Math.round(percent * 100) },
              }),
            )}
          />
          {pointer.halted ? (
            <ActionButton
              label="Resume"
              testId="resume"
              run={op(() =>
                call('POST /v1/apps/:appId/releases/:releaseId/resume', { params, body: { channel: pointer.channel } }),
              )}
            />
          ) : (
            <ActionButton
              label="Halt"
              tone="danger"
              testId="halt"
              confirm={`Halt the rollout of ${releaseId} on ${pointer.channel}? Devices not yet updated get the previous release.`}
              run={op(() =>
                call('POST /v1/apps/:appId/releases/:releaseId/halt', { params, body: { channel: pointer.channel } }),
              )}
            />
          )}
        </div>
      ) : (
        <p className="muted">
          Your role ({me.role}) cannot change this channel{isProtected ? ' (it is protected)' : ''}.
        </p>
      )}
    </div>
  );
}

export function ReleaseActions({
  me,
  appId,
  release,
  channels,
  onChange,
}: {
  me: Me;
  appId: string;
  release: ReleaseDetails;
  channels: Channel[];
  onChange: () => void;
}) {
  const serving = new Set(release.current.map((p) => p.channel));
  const targets = channels
    .filter((c) => !serving.has(c.name))
    .filter((c) => signedForChannel({ channels: release.allowedChannels }, c.name))
    .filter((c) => mayChange(me, c.protected));
  const [target, setTarget] = useState(targets[0]?.name ?? '');
  const servingProtected = channels.some((c) => serving.has(c.name) && c.protected);
  const mayDisable = mayChange(me, servingProtected) && !release.disabledAt;
  const params = { appId, releaseId: release.releaseId };
  if (!me.may['releaseOps']) return null;
  return (
    <div className="actions-panel">
      <h2>Actions</h2>
      {!release.listed && <RelistHint appId={appId} release={release} channels={targets.map((c) => c.name)} />}
      {release.listed && targets.length > 0 && !release.disabledAt && (
        <div className="row">
          <label>
            Promote to{' '}
            <select value={target} onChange={(e) => setTarget(e.target.value)} data-testid="promote-target">
              {targets.map((c) => (
                <option key={c.name}>{c.name}</option>
              ))}
            </select>
          </label>
          <ActionButton
            label="Promote"
            testId="promote"
            run={async () => {
              await call('POST /v1/apps/:appId/releases/:releaseId/promote', {
                params,
                body: { channel: target || targets[0]!.name },
              });
              onChange();
            }}
          />
        </div>
      )}
      {mayDisable && (
        <div className="row">
          <ActionButton
            label="Disable this release"
            tone="danger"
            testId="disable"
            confirm={`Disable ${release.releaseId}? Every channel serving it goes back to its previous release and it is never served again. Devices that installed it keep it.`}
            run={async () => {
              await call('POST /v1/apps/:appId/releases/:releaseId/disable', { params, body: {} });
              onChange();
            }}
          />
          <span className="muted">
            Channels go back to their previous release for devices that have not installed this one. Devices that
            installed it keep running it.
          </span>
        </div>
      )}
      <RollbackHint appId={appId} release={release} channels={channels} />
    </div>
  );
}

/** A release the app's signed listing no longer has: devices could not verify it (release list's `listed`). */
export function NotListed() {
  return (
    <span
      data-testid="not-listed"
      title="The app's signed releases listing no longer has this release: it cannot be promoted. A rollback to it publishes its files again as a new release."
    >
      <Badge tone="muted">not listed</Badge>
    </span>
  );
}

/**
 * Promote is not offered for a release the signed listing dropped (the server would answer
 * 409 release-not-listed): a rollback to it, signed by the publisher, serves its files again.
 */
function RelistHint({ appId, release, channels }: { appId: string; release: ReleaseDetails; channels: string[] }) {
  return (
    <CommandList
      name="relist"
      commands={(channels.length > 0 ? channels : ['<channel>']).map((c) =>
        rollbackCommand(release.releaseId, appId, c),
      )}
    >
      <strong>Not listed:</strong> the app&apos;s signed releases listing no longer has this release, so devices could
      not verify it and it cannot be promoted. To serve its files again, publish a rollback to it with the
      publisher&apos;s releases key, from the CLI:
    </CommandList>
  );
}

/**
 * "Roll back" means what `updraft release rollback` does: a new versionCode with the earlier
 * release's files, signed offline by the publisher, which moves every device back — including
 * those that installed this one. The dashboard holds no releases key, so it shows the command.
 */
function RollbackHint({ appId, release, channels }: { appId: string; release: ReleaseDetails; channels: Channel[] }) {
  // Serving it: back to each channel's previous release. Disabled: the channel already serves
  // an earlier one again (for its platform and runtime), which the devices still running this
  // release need as a new versionCode.
  const signedFor = (channel: string) => signedForChannel({ channels: release.allowedChannels }, channel);
  const targets = release.disabledAt
    ? channels
        .flatMap((c) => c.pointers)
        .filter((p) => p.platform === release.platform && p.runtimeVersion === release.runtimeVersion)
        .filter((p) => signedFor(p.channel) && p.releaseId !== release.releaseId)
        .map((p) => ({ channel: p.channel, to: p.releaseId }))
    : release.current.flatMap((p) => (p.previousReleaseId ? [{ channel: p.channel, to: p.previousReleaseId }] : []));
  const commands = [...new Set(targets.map((t) => rollbackCommand(t.to, appId, t.channel)))];
  if (commands.length === 0) return null;
  return (
    <CommandList name="rollback" commands={commands}>
      <strong>Roll back</strong> (move devices that installed this release back to the previous one) with the
      publisher&apos;s releases key, from the CLI:
    </CommandList>
  );
}

/** What `updraft release rollback` takes to serve `releaseId`'s files on `channel` as a new release. */
function rollbackCommand(releaseId: string, appId: string, channel: string): string {
  return `updraft release rollback ${releaseId} --app ${appId} --channel ${channel}`;
}

/**
 * A step the dashboard cannot take itself (it holds no releases key): why, then each CLI
 * command to run (test ids `<name>-hint` and `<name>-command`).
 */
function CommandList({ name, commands, children }: { name: string; commands: string[]; children: ReactNode }) {
  return (
    <div className="rollback-hint" data-testid={`${name}-hint`}>
      <p>{children}</p>
      {commands.map((c) => (
        <pre key={c} data-testid={`${name}-command`}>
          <code>{c}</code>
        </pre>
      ))}
    </div>
  );
}
