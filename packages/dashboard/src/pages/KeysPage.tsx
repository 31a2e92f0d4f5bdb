import { useState } from 'react';
import { ROLES, type Role } from '@updraft/api';
import { call, when, type Me } from '../api.js';
import { ActionButton, Badge, Empty, Show, useLoad } from '../components/ui.js';

/** Admin API keys (members and CI service accounts) and each app's ingest keys. */
export function KeysPage({ me }: { me: Me }) {
  const [data, reload] = useLoad(async () => {
    const [keys, apps] = await Promise.all([call('GET /v1/keys'), call('GET /v1/apps')]);
    const ingest = await Promise.all(
      apps.apps.map((a) => call('GET /v1/apps/:appId/ingest-keys', { params: { appId: a.appId } })),
    );
    return { keys: keys.keys, apps: apps.apps, ingest: ingest.flatMap((i) => i.keys) };
  }, []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [service, setService] = useState(false);
  const [shown, setShown] = useState<string | null>(null);
  if (!me.may['keys']) return <Empty>Managing keys needs the admin role.</Empty>;
  return (
    <section>
      <h1>API keys</h1>
      <Show load={data} what="keys" retry={reload}>
        {({ keys, apps, ingest }) => (
          <>
            <form className="row" onSubmit={(e) => e.preventDefault()}>
              <input placeholder="name (who or what uses it)" value={name} onChange={(e) => setName(e.target.value)} />
              <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
              <label>
                <input type="checkbox" checked={service} onChange={(e) => setService(e.target.checked)} /> CI service
                account
              </label>
              <ActionButton
                label="Create key"
                run={async () => {
                  const k = await call('POST /v1/keys', {
                    body: { name, role, kind: service ? 'service' : 'member' },
                  });
                  setShown(k.key);
                  setName('');
                  reload();
                }}
              />
            </form>
            {shown && (
              <p className="secret" role="status">
                New key (shown once, copy it now): <code>{shown}</code>
              </p>
            )}
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Role</th>
                  <th>Scopes</th>
                  <th>Last used</th>
                  <th>State</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name}</td>
                    <td>{k.kind}</td>
                    <td>{k.role}</td>
                    <td>{k.scopes.join(', ')}</td>
                    <td>{k.lastUsedAt ? when(k.lastUsedAt) : 'never'}</td>
                    <td>
                      {k.revokedAt ? (
                        <Badge tone="bad">revoked</Badge>
                      ) : k.expiresAt ? (
                        `expires ${when(k.expiresAt)}`
                      ) : (
                        <Badge tone="ok">active</Badge>
                      )}
                    </td>
                    <td>
                      {!k.revokedAt && k.id !== me.id && (
                        <ActionButton
                          label="Revoke"
                          tone="danger"
                          confirm={`Revoke the key "${k.name}" at once?`}
                          run={async () => {
                            await call('DELETE /v1/keys/:keyId', { params: { keyId: k.id } });
                            reload();
                          }}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h2>Ingest keys (device events)</h2>
            <p className="muted">Shipped inside apps; they can only report events for their app.</p>
            {apps.length === 0 ? (
              <Empty>No apps yet.</Empty>
            ) : (
              <>
                <div className="row">
                  {me.may['appsWrite'] &&
                    apps.map((a) => (
                      <ActionButton
                        key={a.appId}
                        label={`New ingest key for ${a.appId}`}
                        run={async () => {
                          const k = await call('POST /v1/apps/:appId/ingest-keys', {
                            params: { appId: a.appId },
                            body: { name: 'devices' },
                          });
                          setShown(k.key);
                          reload();
                        }}
                      />
                    ))}
                </div>
                {ingest.length === 0 ? (
                  <Empty>No ingest keys yet.</Empty>
                ) : (
                  <table>
                    <thead>
                      <tr>
                        <th>App</th>
                        <th>Name</th>
                        <th>Created</th>
                        <th>State</th>
                      </tr>
                    </thead>
                    <tbody>
                      {ingest.map((k) => (
                        <tr key={k.id}>
                          <td>{k.appId}</td>
                          <td>{k.name}</td>
                          <td>{when(k.createdAt)}</td>
                          <td>{k.revokedAt ? <Badge tone="bad">revoked</Badge> : <Badge tone="ok">active</Badge>}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </>
            )}
          </>
        )}
      </Show>
    </section>
  );
}
