import { call, when } from '../api.js';
import { Empty, Show, useLoad } from '../components/ui.js';
import { href } from '../router.js';

export function AppsPage() {
  const [apps, reload] = useLoad(() => call('GET /v1/apps'), []);
  return (
    <section>
      <h1>Apps</h1>
      <Show load={apps} what="apps" retry={reload}>
        {(data) =>
          data.apps.length === 0 ? (
            <Empty>
              No apps yet. Create one with <code>updraft apps create com.example.app</code>.
            </Empty>
          ) : (
            <ul className="cards">
              {data.apps.map((a) => (
                <li key={a.appId}>
                  <a href={href('apps', a.appId)}>
                    <strong>{a.appId}</strong>
                    <span className="muted">created {when(a.createdAt)}</span>
                  </a>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}
