import type { webhooksApi } from '@updraft/api';
import { when } from '../api.js';
import { Badge } from './ui.js';

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
