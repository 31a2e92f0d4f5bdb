import type { webhooksApi } from '@updraft/api';
import { colour } from './output.js';

/** One line per delivery (the API's one shape, newest first), for every webhook whose history the CLI prints. */
export function describeDeliveries(deliveries: webhooksApi.WebhookDelivery[], none: string): string {
  if (deliveries.length === 0) return none;
  return deliveries
    .map((d) => {
      // The error says more than its status (a redirect is "HTTP 302 (redirects are not followed)").
      const outcome = d.lastError ?? (d.lastStatusCode !== null ? `HTTP ${d.lastStatusCode}` : 'not tried yet');
      const status =
        d.status === 'delivered' ? colour.green(d.status) : d.status === 'failed' ? colour.red(d.status) : d.status;
      const retry = d.nextAttemptAt ? `, next attempt ${d.nextAttemptAt}` : '';
      return `${d.createdAt}  ${d.event}  ${status} after ${d.attempts} attempt(s): ${outcome}${retry}  → ${d.host}  (${d.id})`;
    })
    .join('\n');
}
