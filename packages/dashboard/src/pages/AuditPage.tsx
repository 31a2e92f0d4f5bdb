import { call, when, type Me } from '../api.js';
import { Badge, Empty, Show, useLoad } from '../components/ui.js';
import { AuditWebhook } from './AuditWebhook.js';

/** The organization's hash-chained audit log, newest first, with the result of verifying the chain, and its webhook. */
export function AuditPage({ me }: { me: Me }) {
  const [data, reload] = useLoad(
    () => Promise.all([call('GET /v1/audit', { query: { limit: '1000' } }), call('GET /v1/audit/verify')]),
    [],
  );
  if (!me.may['audit']) return <Empty>Reading the audit log needs the admin role.</Empty>;
  return (
    <section>
      <h1>Audit log</h1>
      <AuditWebhook />
      <Show load={data} what="the audit log" retry={reload}>
        {([log, verify]) => (
          <>
            <p data-testid="audit-verify">
              {verify.ok ? (
                <Badge tone="ok">chain verified</Badge>
              ) : verify.status === 'broken' ? (
                <Badge tone="bad">chain broken</Badge>
              ) : (
                <Badge tone="bad">
                  log {verify.status} since its anchor (first bad entry {verify.firstBadSeq})
                </Badge>
              )}{' '}
              {verify.entries} entries; head <code>{verify.head?.slice(0, 16) ?? '—'}…</code>
              {verify.anchor && (
                <>
                  ; anchored up to entry {verify.anchor.size} at {when(verify.anchor.time)}
                </>
              )}
            </p>
            {!verify.ok && (
              <ul className="problems">
                {verify.problems.map((p) => (
                  <li key={`${p.seq}-${p.problem}`}>
                    #{p.seq} {p.problem}: {p.message}
                  </li>
                ))}
              </ul>
            )}
            {log.entries.length === 0 ? (
              <Empty>Nothing has happened yet.</Empty>
            ) : (
              <table data-testid="audit-table">
                <thead>
                  <tr>
                    <th>#</th>
                    <th>When</th>
                    <th>Who</th>
                    <th>Action</th>
                    <th>Target</th>
                    <th>Details</th>
                  </tr>
                </thead>
                <tbody>
                  {[...log.entries].reverse().map((e) => (
                    <tr key={e.seq}>
                      <td>{e.seq}</td>
                      <td>{when(e.at)}</td>
                      <td>
                        {e.actorName}{' '}
                        <span className="muted">
                          ({e.actorRole}
                          {e.actorKind === 'service' ? ', service' : ''})
                        </span>
                      </td>
                      <td>
                        <code>{e.action}</code>
                      </td>
                      <td>
                        {e.appId ? `${e.appId} ` : ''}
                        {e.target}
                      </td>
                      <td className="details">{JSON.stringify(e.details).slice(0, 160)}</td>
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
