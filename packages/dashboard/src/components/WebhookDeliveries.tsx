import type { webhooksApi } from '@updraft/api';
import { when } from '../api.js';
import { Badge, Show, useLoad } from './ui.js';

const TONE = { delivered: 'ok', pending: 'warn', failed: 'bad' } as const;

/** What the last attempt got: the error says more than its status (a redirect is "HTTP 302 (redirects are not followed)"). */
function lastAnswer(d: webhooksApi.WebhookDelivery): string {
  return d.lastError ?? (d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : 'not tried yet');
}

/** A webhook's last deliveries (the API's one delivery shape), newest first. */
export function WebhookDeliveries({
  deliveries,
  testId,
}: {
  deliveries: webhooksApi.WebhookDelivery[];
  testId: string;
}) {
  if (deliveries.length === 0)
    return (
      <p className="muted" data-testid={testId}>
        No deliveries yet.
      </p>
    );
  return (
    <table data-testid={testId}>
      <thead>
        <tr>
          <th>Raised</th>
          <th>Event</th>
          <th>Status</th>
          <th>Attempts</th>
          <th>Last answer</th>
          <th>Host</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((d) => (
          <tr key={d.id} data-testid={`delivery-${d.id}`}>
            <td>{when(d.createdAt)}</td>
            <td>
              <code>{d.event}</code>
            </td>
            <td>
              <Badge tone={TONE[d.status]}>{d.status}</Badge>
              {d.nextAttemptAt && <span className="muted"> next try {when(d.nextAttemptAt)}</span>}
            </td>
            <td>{d.attempts}</td>
            <td>
              {lastAnswer(d)}
              {d.lastAttemptAt && <span className="muted"> at {when(d.lastAttemptAt)}</span>}
            </td>
            <td>{d.host}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A webhook's last deliveries under a heading with a Refresh button (deliveries settle after
 * the page loaded): the one section every page that shows a webhook's history uses.
 */
export function RecentDeliveries({
  title,
  level = 'h3',
  fetch,
  deps,
  what,
  testId,
}: {
  title: string;
  level?: 'h2' | 'h3';
  fetch: () => Promise<webhooksApi.WebhookDeliveries>;
  deps: unknown[];
  what: string;
  testId: string;
}) {
  const [load, reload] = useLoad(fetch, deps);
  const Heading = level;
  return (
    <>
      <Heading>
        {title}{' '}
        <button type="button" data-testid={`${testId}-refresh`} onClick={reload}>
          Refresh
        </button>
      </Heading>
      <Show load={load} what={what} retry={reload}>
        {(d) => <WebhookDeliveries deliveries={d.deliveries} testId={testId} />}
      </Show>
    </>
  );
}
