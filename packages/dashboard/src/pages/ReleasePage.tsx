import { call, pct, when, type GuardrailHealth, type Insight, type Me } from '../api.js';
import { COUNT_AXIS, RATE_AXIS } from '../components/axis.js';
import { LineChart } from '../components/chart.js';
import { Badge, Empty, Show, useLoad } from '../components/ui.js';
import { RecentDeliveries } from '../components/WebhookDeliveries.js';
import { href } from '../router.js';
import { ChannelControl, NotListed, ReleaseActions } from './ReleaseControls.js';
import { Provenance } from './Provenance.js';

function charts(insight: Insight) {
  let installed = 0;
  let launched = 0;
  let crashes = 0;
  let rollbacks = 0;
  const adoption: [number, number][] = [];
  const installs: [number, number][] = [];
  const crashRate: [number, number][] = [];
  const rollbackRate: [number, number][] = [];
  // Adoption starts at zero when the range starts (the release's publication by default).
  if (insight.series.length > 0) {
    adoption.push([Date.parse(insight.from), 0]);
    installs.push([Date.parse(insight.from), 0]);
  }
  for (const p of insight.series) {
    const t = Date.parse(p.at);
    installed += p.counts['installed'] ?? 0;
    launched += p.counts['launched'] ?? 0;
    crashes += p.counts['crash'] ?? 0;
    rollbacks += p.counts['rollback'] ?? 0;
    adoption.push([t, p.adoption]);
    installs.push([t, installed]);
    if (launched > 0) {
      crashRate.push([t, crashes / launched]);
      rollbackRate.push([t, rollbacks / launched]);
    }
  }
  return { adoption, installs, crashRate, rollbackRate };
}

/** The guardrail's status in words: a halt by a person is not the guardrail's doing. */
const GUARDRAIL_STATUS: Record<string, { label: string; tone: 'ok' | 'warn' | 'bad' | 'muted' }> = {
  'halted-by-guardrail': { label: 'tripped: it halted this rollout', tone: 'bad' },
  alerting: { label: 'tripped: alert sent, not halted', tone: 'bad' },
  halted: { label: 'not tripped (halted by hand)', tone: 'muted' },
  watching: { label: 'watching', tone: 'ok' },
  disabled: { label: 'off', tone: 'muted' },
  'insufficient-data': { label: 'waiting for launches', tone: 'warn' },
};

function GuardrailPanel({ h }: { h: GuardrailHealth }) {
  const { label, tone } = GUARDRAIL_STATUS[h.status] ?? { label: h.status.replace(/-/g, ' '), tone: 'warn' };
  const g = h.guardrail;
  const acts = g.mode === 'halt' ? 'Halts the rollout' : 'Alerts (webhook and this banner; no automatic halt)';
  return (
    <div className="guardrail" data-testid={`guardrail-${h.channel}`}>
      <h3>
        Guardrail on {h.channel}{' '}
        <span data-testid="guardrail-status">
          <Badge tone={tone}>{label}</Badge>
        </span>
      </h3>
      {h.status === 'alerting' && h.lastTrip && (
        <p className="banner bad" role="alert" data-testid={`guardrail-alert-${h.channel}`}>
          Guardrail alert {when(h.lastTrip.at)}: {h.lastTrip.metric} rate {(h.lastTrip.rateBp / 100).toFixed(2)} % over{' '}
          {h.lastTrip.launches} launches. The rollout was not halted ({h.channel} is in alert mode): decide whether to
          halt it.
        </p>
      )}
      <p className="muted" data-testid={`guardrail-mode-${h.channel}`}>
        {g.enabled
          ? `${acts} when the crash or rollback rate exceeds ${g.thresholdPercent} % over ${g.lookbackMinutes} min with at least ${g.minLaunches} launches, reported from at least ${g.minSources} network sources. Mode: ${g.mode}${g.modeConfigured ? '' : ' (default)'}.`
          : 'Disabled for this channel.'}
        {g.webhookHost ? ` Webhook: ${g.webhookUrl ?? g.webhookHost}.` : ''}
      </p>
      <dl className="stats">
        <div>
          <dt>Launches in window</dt>
          <dd>{h.launches}</dd>
        </div>
        <div>
          <dt>Sources reporting failures</dt>
          <dd>{h.failureSources}</dd>
        </div>
        <div>
          <dt>Crash rate</dt>
          <dd>{pct(h.crashRate)}</dd>
        </div>
        <div>
          <dt>Rollback rate</dt>
          <dd>{pct(h.rollbackRate)}</dd>
        </div>
      </dl>
      {h.lastTrip && (
        <p>
          Last {h.lastTrip.action === 'alerted' ? 'alert' : 'halt'} by the guardrail {when(h.lastTrip.at)}:{' '}
          {h.lastTrip.metric} rate {(h.lastTrip.rateBp / 100).toFixed(2)} % over {h.lastTrip.launches} launches; webhook{' '}
          {h.lastTrip.webhookStatus}.
        </p>
      )}
    </div>
  );
}

/** One release: identity, charts, guardrail state, and the rollout controls the caller may use. */
export function ReleasePage({ me, appId, releaseId }: { me: Me; appId: string; releaseId: string }) {
  const [data, reload] = useLoad(async () => {
    const params = { appId, releaseId };
    const [release, insight, channels] = await Promise.all([
      call('GET /v1/apps/:appId/releases/:releaseId', { params }),
      call('GET /v1/apps/:appId/releases/:releaseId/insight', { params }),
      call('GET /v1/apps/:appId/channels', { params: { appId } }),
    ]);
    const health = await Promise.all(
      release.current.map((p) =>
        call('GET /v1/apps/:appId/releases/:releaseId/guardrail', { params, query: { channel: p.channel } }),
      ),
    );
    return { release, insight, channels: channels.channels, health };
  }, [appId, releaseId]);

  return (
    <section>
      <p className="crumbs">
        <a href={href()}>Apps</a> / <a href={href('apps', appId)}>{appId}</a> / {releaseId}
      </p>
      <Show load={data} what="the release" retry={reload}>
        {({ release, insight, channels, health }) => {
          const c = charts(insight);
          return (
            <>
              <h1>
                Release <code data-testid="release-id">{release.releaseId}</code>{' '}
                {release.disabledAt && <Badge tone="bad">disabled</Badge>} {!release.listed && <NotListed />}
              </h1>
              <dl className="facts">
                <div>
                  <dt>versionCode</dt>
                  <dd data-testid="version-code">{release.versionCode}</dd>
                </div>
                <div>
                  <dt>Platform / runtime</dt>
                  <dd>
                    {release.platform} {release.runtimeVersion}
                  </dd>
                </div>
                <div>
                  <dt>Published</dt>
                  <dd>{when(release.createdAt)}</dd>
                </div>
                <div>
                  <dt>Signed for channels</dt>
                  <dd>{release.allowedChannels.join(', ')}</dd>
                </div>
                <div>
                  <dt>Manifest</dt>
                  <dd>
                    <code>{release.manifestSha256.slice(0, 16)}…</code>
                  </dd>
                </div>
              </dl>
              {release.notes && <p className="notes">{release.notes}</p>}

              <dl className="stats">
                <div>
                  <dt>Adoption (confirmed)</dt>
                  <dd data-testid="adoption">{insight.series.at(-1)?.adoption ?? 0}</dd>
                </div>
                <div>
                  <dt>Install success</dt>
                  <dd>{pct(insight.rates.installSuccess)}</dd>
                </div>
                <div>
                  <dt>Crash rate</dt>
                  <dd>{pct(insight.rates.crash)}</dd>
                </div>
                <div>
                  <dt>Rollback rate</dt>
                  <dd>{pct(insight.rates.rollback)}</dd>
                </div>
              </dl>
              <div className="charts">
                <LineChart
                  title="Adoption"
                  series={[
                    { name: 'confirmed', color: '#2563eb', points: c.adoption },
                    { name: 'installed', color: '#94a3b8', points: c.installs },
                  ]}
                  y={COUNT_AXIS}
                  empty="No device has reported this release yet."
                />
                <LineChart
                  title="Crash and rollback rate (cumulative, per launch)"
                  series={[
                    { name: 'crash', color: '#dc2626', points: c.crashRate },
                    { name: 'rollback', color: '#f59e0b', points: c.rollbackRate },
                  ]}
                  y={RATE_AXIS}
                  empty="No launches reported yet."
                />
              </div>

              <h2>Channels serving it</h2>
              {release.current.length === 0 ? (
                <Empty>
                  No channel serves this release now
                  {release.previousOf.length
                    ? ' (it is the previous release of ' + release.previousOf.map((p) => p.channel).join(', ') + ')'
                    : ''}
                  .
                </Empty>
              ) : (
                release.current.map((p) => (
                  <div className="channel-card" key={`${p.channel}/${p.platform}/${p.runtimeVersion}`}>
                    <ChannelControl
                      me={me}
                      appId={appId}
                      releaseId={releaseId}
                      pointer={p}
                      isProtected={channels.find((ch) => ch.name === p.channel)?.protected ?? false}
                      haltedByGuardrail={health.some(
                        (h) => h.channel === p.channel && h.status === 'halted-by-guardrail',
                      )}
                      onChange={reload}
                    />
                    {health.find((h) => h.channel === p.channel) && (
                      <GuardrailPanel h={health.find((h) => h.channel === p.channel)!} />
                    )}
                  </div>
                ))
              )}
              <RecentDeliveries
                title="Guardrail webhook deliveries (this app's channels)"
                level="h2"
                fetch={() =>
                  call('GET /v1/apps/:appId/webhooks/deliveries', { params: { appId }, query: { limit: '10' } })
                }
                deps={[appId]}
                what="the guardrail webhook's deliveries"
                testId="guardrail-webhook-deliveries"
              />
              <ReleaseActions me={me} appId={appId} release={release} channels={channels} onChange={reload} />
              <Provenance appId={appId} releaseId={releaseId} />
            </>
          );
        }}
      </Show>
    </section>
  );
}
