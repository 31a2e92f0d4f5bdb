import { useState } from 'react';
import { ROLES, type Role } from '@updraft/api';
import { call, when, type Me } from '../api.js';
import { ActionButton, Badge, Empty, Show, useLoad } from '../components/ui.js';

/** Dashboard users of the organization (email + password, a role each). */
export function MembersPage({ me }: { me: Me }) {
  const [users, reload] = useLoad(() => call('GET /v1/users'), []);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  if (!me.may['keys']) return <Empty>Managing members needs the admin role.</Empty>;
  return (
    <section>
      <h1>Members</h1>
      <form className="row" onSubmit={(e) => e.preventDefault()}>
        <input type="email" placeholder="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <input
          type="password"
          placeholder="initial password (12+ characters)"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <ActionButton
          label="Add member"
          run={async () => {
            await call('POST /v1/users', { body: { email, role, password } });
            setEmail('');
            setPassword('');
            reload();
          }}
        />
      </form>
      <Show load={users} what="members" retry={reload}>
        {(data) =>
          data.users.length === 0 ? (
            <Empty>
              No dashboard users yet. Add one here or with <code>updraft users create --email … --role …</code>.
            </Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Email</th>
                  <th>Role</th>
                  <th>Since</th>
                  <th>State</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {data.users.map((u) => (
                  <tr key={u.id}>
                    <td>{u.email}</td>
                    <td>{u.role}</td>
                    <td>{when(u.createdAt)}</td>
                    <td>{u.disabledAt ? <Badge tone="bad">disabled</Badge> : <Badge tone="ok">active</Badge>}</td>
                    <td>
                      {!u.disabledAt && u.id !== me.id && (
                        <ActionButton
                          label="Disable"
                          tone="danger"
                          confirm={`Disable ${u.email}? Their sessions end at once.`}
                          run={async () => {
                            await call('DELETE /v1/users/:userId', { params: { userId: u.id } });
                            reload();
                          }}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  );
}
