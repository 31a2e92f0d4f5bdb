import { describeServing, formatBytes, ROLLOUT_BUCKETS } from '@updraft/protocol';
import { call, when, type Me, type ReleaseListRow } from '../api.js';
import { Badge, Empty, Show, useLoad } from '../components/ui.js';
import { href } from '../router.js';
import { NotListed } from './ReleaseControls.js';

/** One app: its channels (what each serves, rollout, halted) and its releases. */
export function AppPage({ appId }: { me: Me; appId: string }) {
  const [data, reload] = useLoad(
    () =>
      Promise.all([
        call('GET /v1/apps/:appId/channels', { params: { appId } }),
        call('GET /v1/apps/:appId/releases', { params: { appId } }),
      ]),
    [appId],
  );
  return (
    <section>
      <p className="crumbs">
        <a href={href()}>Apps</a> / {appId}
      </p>
      <h1>{appId}</h1>
      <Show load={data} what="channels and releases" retry={reload}>
        {([channels, releases]) => (
          <>
            <h2>Channels</h2>
            {channels.channels.length === 0 ? (
              <Empty>No channels yet: publishing to a channel creates it.</Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Channel</th>
                    <th>Platform / runtime</th>
                    <th>Serves</th>
                    <th>Rollout</th>
                    <th>Previous</th>
                  </tr>
                </thead>
                <tbody>
                  {channels.channels.flatMap((c) =>
                    (c.pointers.length ? c.pointers : [null]).map((p, i) => (
                      <tr key={`${c.name}-${i}`}>
                        <td>
                          {c.name} {c.protected && <Badge tone="muted">protected</Badge>}
                        </td>
                        <td>{p ? `${p.platform} ${p.runtimeVersion}` : '—'}</td>
                        <td>
                          {p ? <a href={href('apps', appId, 'releases', p.releaseId)}>{p.releaseId}</a> : 'nothing'}
                        </td>
                        <td>
                          {p ? (
                            p.halted ? (
                              <Badge tone="bad">halted ({p.basisPoints / 100} % kept)</Badge>
                            ) : p.basisPoints >= ROLLOUT_BUCKETS ? (
                              '100 % (serving)'
                            ) : (
                              `${p.basisPoints / 100} % (rolling out)`
                            )
                          ) : (
                            '—'
                          )}
                        </td>
                        <td>{p?.previousReleaseId ?? '—'}</td>
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
            )}
            <h2>Releases</h2>
            {releases.releases.length === 0 ? (
              <Empty>
                No releases yet. Publish one with <code>updraft publish ./build --app {appId} …</code>.
              </Empty>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th>Release</th>
                    <th>versionCode</th>
                    <th>Platform / runtime</th>
                    <th>State</th>
                    <th>Size</th>
                    <th>First channel</th>
                    <th>Published</th>
                  </tr>
                </thead>
                <tbody>
                  {releases.releases.map((r) => (
                    <tr key={r.releaseId}>
                      <td>
                        <a href={href('apps', appId, 'releases', r.releaseId)}>{r.releaseId}</a>
                      </td>
                      <td>{r.versionCode}</td>
                      <td>
                        {r.platform} {r.runtimeVersion}
                      </td>
                      <td data-testid={`release-state-${r.releaseId}`}>
                        <ReleaseStateCell r={r} />
                      </td>
                      <td data-testid={`release-size-${r.releaseId}`}>
                        {r.sizeBytes === null ? '—' : `${formatBytes(r.sizeBytes)} · ${r.files} files`}
                      </td>
                      <td>{r.channel}</td>
                      <td>{when(r.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </Show>
    </section>
  );
}

const STATE_TONE = {
  serving: 'ok',
  'rolling-out': 'warn',
  halted: 'bad',
  disabled: 'bad',
  superseded: 'muted',
} as const;

/**
 * The release's state, per channel serving it how much (the server derives both from the channel
 * pointers), and whether the signed listing dropped it.
 */
function ReleaseStateCell({ r }: { r: ReleaseListRow }) {
  const where = r.channels.map(describeServing);
  return (
    <>
      <Badge tone={STATE_TONE[r.state]}>{r.state.replace('-', ' ')}</Badge>
      {where.length > 0 && <span className="muted"> {where.join(', ')}</span>}
      {!r.listed && (
        <>
          {' '}
          <NotListed />
        </>
      )}
    </>
  );
}
