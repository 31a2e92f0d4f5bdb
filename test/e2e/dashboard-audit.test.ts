import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { anchorAuditHeads, openSqliteStore } from '@updraft/server';
import { runCli } from '@updraft/test-kit/cli';
import { dashboardOnServer, needsChromium, ok, shot } from '@updraft/test-kit/dashboard';

// The dashboard's audit page in a real Chromium against the built dashboard on a real server
// process: the audit webhook set, refused, shown and cleared there, and the banner every page
// shows an admin once the log no longer extends its anchor, with the alert's delivery.

const APP = 'com.example.dash';
const f = dashboardOnServer(APP, 'e2e-dash-audit');

test(
  'the audit webhook: set from the audit page (a refused URL says why), shown, audited with its host, cleared',
  needsChromium,
  async () => {
    // Before the test below breaks the log.
    const page = await f.context.newPage();
    page.on('dialog', (d) => void d.accept());
    await f.signInWithKey(page);
    await page.goto(`${f.server.url}/#/audit`);
    const shown = page.getByTestId('audit-webhook-url');
    await shown.filter({ hasText: 'No webhook' }).waitFor();
    const input = page.getByLabel('Webhook URL');
    await input.fill('http://hooks.example.com/updraft-audit');
    await page.getByTestId('audit-webhook-set').click();
    const refused = page.locator('.audit-webhook [role=alert]');
    await refused.waitFor();
    assert.match(await refused.innerText(), /webhook URL/);

    const url = 'https://hooks.example.com/updraft-audit';
    await input.fill(url);
    await page.getByTestId('audit-webhook-set').click();
    await shown.filter({ hasText: url }).waitFor();
    const read = async () => {
      const r = await runCli(['audit', 'webhook', '--json'], f.env());
      ok(r, 'audit webhook');
      return r.json?.['webhookUrl'];
    };
    assert.equal(await read(), url, 'the server has it (what the CLI reads)');
    await page.reload();
    await page.getByTestId('audit-table').waitFor();
    const entry = await page.getByTestId('audit-table').locator('tr', { hasText: 'audit.webhook' }).first().innerText();
    assert.match(entry, /hooks\.example\.com/);
    assert.doesNotMatch(entry, /updraft-audit/, 'the log keeps the host only');

    await page.getByTestId('audit-webhook-clear').click();
    await shown.filter({ hasText: 'No webhook' }).waitFor();
    assert.equal(await read(), null);
    await page.close();
  },
);

test(
  'an admin sees a banner on every page once the audit log no longer extends its anchor (issue 14 §7)',
  needsChromium,
  async () => {
    // The anchoring job of another instance anchors the head; then someone with the database
    // file deletes the newest entry. The owner's session from the test above is still open.
    // The alert goes to the audit webhook too: a host that cannot resolve (.invalid), so its
    // deliveries show the error.
    const siem = 'https://siem.updraft.invalid/audit';
    ok(await runCli(['audit', 'webhook', '--set', siem, '--json'], f.env()), 'audit webhook --set');
    const file = join(f.work.path, 'data', 'updraft.db');
    const anchor = async () => {
      const store = await openSqliteStore(file);
      try {
        return await anchorAuditHeads(store, Date.now);
      } finally {
        await store.close();
      }
    };
    await anchor();
    const db = new Database(file);
    try {
      db.prepare('delete from audit_log where seq = (select max(seq) from audit_log)').run();
    } finally {
      db.close();
    }
    const page = await f.context.newPage();
    await page.goto(`${f.server.url}/#/apps/${APP}`);
    const banner = page.getByTestId('audit-alert');
    await banner.waitFor();
    assert.match(await banner.innerText(), /truncated .*first bad entry \d+/s);
    await page.getByRole('link', { name: 'Audit log' }).first().click();
    await page.getByTestId('audit-table').waitFor();
    assert.match(await page.getByTestId('audit-verify').innerText(), /broken|truncated/i);
    await shot(page, 'audit-alert');

    // The next anchoring pass (this one, or the server's own if it came first: one alert per
    // anchor either way) queues the webhook; the server's webhook job tries it.
    await anchor();
    const refresh = page.getByTestId('audit-webhook-deliveries-refresh');
    const tried = page.getByTestId('audit-webhook-deliveries').locator('tr', { hasText: 'audit.anchor-refused' });
    const end = Date.now() + 30_000;
    for (;;) {
      await refresh.click();
      const text = (await tried.count()) === 1 ? await tried.innerText() : '';
      if (/siem\.updraft\.invalid/.test(text) && !/not tried yet/.test(text)) break;
      assert.ok(Date.now() < end, `a delivery with its first attempt's error: ${text}`);
      await page.waitForTimeout(250);
    }
    const row = await tried.innerText();
    assert.match(row, /pending|failed/, 'never delivered');
    assert.doesNotMatch(row, /\/audit/, 'the host only, never the path');
    const api = await runCli(['audit', 'webhook', '--deliveries', '--json'], f.env());
    ok(api, 'audit webhook --deliveries');
    const [delivery] = api.json!['deliveries'] as { lastError: string | null; attempts: number }[];
    assert.ok(delivery!.lastError && row.includes(delivery!.lastError), `${row} shows ${delivery!.lastError}`);
    await page.close();
  },
);
