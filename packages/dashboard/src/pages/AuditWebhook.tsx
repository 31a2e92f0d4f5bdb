import { useState } from 'react';
import { call } from '../api.js';
import { ActionButton, Show, useLoad } from '../components/ui.js';
import { RecentDeliveries } from '../components/WebhookDeliveries.js';

/**
 * Where the server posts audit alerts (an audit log that no longer extends its anchor):
 * `GET`/`PUT /v1/audit/webhook`, the same access as reading the log, and its last
 * deliveries, so an operator whose SIEM stopped receiving alerts sees what the server got.
 */
export function AuditWebhook() {
  const [load, reload] = useLoad(() => call('GET /v1/audit/webhook'), []);
  const [url, setUrl] = useState('');
  const save = async (value: string | null) => {
    await call('PUT /v1/audit/webhook', { body: { url: value } });
    setUrl('');
    reload();
  };
  return (
    <div className="audit-webhook">
      <h2>Audit webhook</h2>
      <Show load={load} what="the audit webhook" retry={reload}>
        {(w) => (
          <>
            <p data-testid="audit-webhook-url">
              {w.webhookUrl ? (
                <>
                  Audit alerts are posted to <code>{w.webhookUrl}</code>.
                </>
              ) : (
                <span className="muted">No webhook: audit alerts show only here and in the banner.</span>
              )}
            </p>
            <form className="row" onSubmit={(e) => e.preventDefault()}>
              <input
                type="url"
                aria-label="Webhook URL"
                placeholder="https://hooks.example.com/updraft-audit"
                value={url}
                onChange={(e) => setUrl(e.target.value)}
              />
              <ActionButton label={w.webhookUrl ? 'Replace' : 'Set'} testId="audit-webhook-set" run={() => save(url)} />
              {w.webhookUrl && (
                <ActionButton
                  label="Clear"
                  tone="danger"
                  testId="audit-webhook-clear"
                  confirm="Stop posting audit alerts to this webhook?"
                  run={() => save(null)}
                />
              )}
            </form>
          </>
        )}
      </Show>
      <RecentDeliveries
        title="Last deliveries"
        fetch={() => call('GET /v1/audit/webhook/deliveries', { query: { limit: '10' } })}
        deps={[]}
        what="the audit webhook's deliveries"
        testId="audit-webhook-deliveries"
      />
    </div>
  );
}
