import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publishArgs, runCli } from '@updraft/test-kit/cli';
import { dashboardOnServer, needsChromium, ok, shot } from '@updraft/test-kit/dashboard';

// The dashboard's app and release pages in a real Chromium against the built dashboard on a
// real server process: sign in, open a published release, set its rollout to 25 %, halt it,
// and find both in the audit log; the states in words, a release the listing dropped, the
// guardrail webhook's deliveries. A viewer sees no controls; the session survives a reload.
// The tests run in order on one server: each starts from what the one before left.

const APP = 'com.example.dash';
const f = dashboardOnServer(APP, 'e2e-dash-release');

test('a viewer sees the release but no controls', needsChromium, async () => {
  const page = await f.context.newPage();
  await f.signInWithEmail(page, 'viola@example.com');
  assert.match(await page.getByTestId('who').innerText(), /viewer/);
  await page.goto(`${f.server.url}/#/apps/${APP}/releases/${f.v2}`);
  await page.getByTestId('release-id').waitFor();
  // The release's provenance, verified in the browser with the builder key its signed target names.
  const provenance = page.locator('.provenance');
  await provenance.getByText('verified').waitFor();
  assert.match(await provenance.innerText(), /builder key [0-9a-f]{64}/);
  assert.equal(await page.getByTestId('halt').count(), 0, 'no halt button for a viewer');
  assert.equal(await page.getByTestId('rollout-slider').count(), 0, 'no slider for a viewer');
  await page.getByText('Your role (viewer) cannot change this channel').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.close();
});

test('sign in, set the rollout to 25 %, halt, find both in the audit log', needsChromium, async () => {
  const page = await f.context.newPage();
  page.on('dialog', (d) => void d.accept());
  await page.goto(f.server.url);
  await shot(page, 'sign-in');
  await f.signInWithKey(page);
  await shot(page, 'apps');

  await page.getByRole('link', { name: APP }).click();
  await page.getByRole('heading', { name: 'Channels' }).waitFor();
  await shot(page, 'app');
  await page.getByRole('link', { name: f.v2 }).first().click();
  await page.getByTestId('release-id').waitFor();
  assert.equal(await page.getByTestId('release-id').innerText(), f.v2);
  assert.equal(await page.getByTestId('version-code').innerText(), '2');
  await page.getByTestId('guardrail-production').waitFor();

  await page.getByTestId('rollout-input').fill('25');
  await page.getByTestId('apply-rollout').click();
  await page.getByTestId('rollout-value').filter({ hasText: '25 %' }).waitFor();
  await page.getByTestId('halt').click();
  await page.getByTestId('resume').waitFor();
  await shot(page, 'release');

  // The session survives a reload, and the halt is still there.
  await page.reload();
  await page.getByTestId('resume').waitFor();
  assert.match(await page.getByTestId('who').innerText(), /owner/);

  await page.getByRole('link', { name: 'Audit log' }).click();
  await page.getByTestId('audit-table').waitFor();
  assert.match(await page.getByTestId('audit-verify').innerText(), /chain verified/);
  const audit = await page.getByTestId('audit-table').innerText();
  assert.match(audit, /release\.rollout/);
  assert.match(audit, /release\.halt/);
  await shot(page, 'audit');

  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByRole('heading', { name: 'Ingest keys (device events)' }).waitFor();
  await shot(page, 'keys');
  await page.getByRole('link', { name: 'Members' }).click();
  await page.getByText('viola@example.com').waitFor();
  await shot(page, 'members');
  await page.close();
});

test(
  'states in words: 100 % is serving, a manual halt is not a guardrail trip, the list shows state and size, roll back is the CLI command',
  needsChromium,
  async () => {
    const page = await f.context.newPage();
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${f.server.url}/#/apps/${APP}`);
    await page.getByRole('heading', { name: 'Releases' }).waitFor();
    // The test above left v2 at 25 % and halted it by hand; v1 is what the other devices get.
    assert.match(await page.getByTestId(`release-state-${f.v2}`).innerText(), /halted.*production 25 % halted/);
    assert.match(await page.getByTestId(`release-state-${f.v1}`).innerText(), /^serving/);
    assert.match(await page.getByTestId(`release-size-${f.v2}`).innerText(), /^\d+ B · 1 files$/);

    await page.goto(`${f.server.url}/#/apps/${APP}/releases/${f.v2}`);
    await page.getByTestId('release-id').waitFor();
    assert.equal(await page.getByTestId('pointer-state').innerText(), 'halted by hand');
    assert.match(await page.getByTestId('guardrail-status').innerText(), /not tripped \(halted by hand\)/);
    assert.equal(
      await page.getByRole('button', { name: /roll back/i }).count(),
      0,
      'no "Roll back" that only disables',
    );
    await page.getByRole('button', { name: 'Disable this release' }).waitFor();

    await page.getByTestId('resume').click();
    await page.getByTestId('halt').waitFor();
    assert.equal(await page.getByTestId('pointer-state').innerText(), 'rolling out');
    await page.getByTestId('rollout-input').fill('100');
    await page.getByTestId('apply-rollout').click();
    await page.getByTestId('rollout-value').filter({ hasText: '100 %' }).waitFor();
    await page.getByTestId('pointer-state').filter({ hasText: 'serving' }).waitFor();

    // The command shown is the CLI's roll back, and it works as shown (plus where the keys are).
    const command = await page.getByTestId('rollback-command').innerText();
    assert.equal(command, `updraft release rollback ${f.v1} --app ${APP} --channel production`);
    const rolled = await runCli([...command.split(' ').slice(1), '--keys', f.keysDir, '--json'], f.env());
    ok(rolled, 'the shown rollback command');
    assert.equal(rolled.json?.['rolledBackTo'], f.v1);

    await page.goto(`${f.server.url}/#/apps/${APP}`);
    await page.getByTestId(`release-state-${String(rolled.json?.['releaseId'])}`).waitFor();
    assert.match(await page.getByTestId(`release-state-${f.v2}`).innerText(), /^superseded/);
    await shot(page, 'app');
    await page.close();
  },
);

test(
  'a release the signed listing dropped is marked "not listed", with the rollback that lists it again instead of promote',
  needsChromium,
  async () => {
    // Production serves the rollback's copy of v1, with v2 as previous: a publish that keeps one
    // release besides those in use drops v1 itself.
    const dir = join(f.work.path, 'v4');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'index.ios.bundle'), 'console.log("v4")');
    const published = await runCli(
      publishArgs({ dir, app: APP, keys: f.keysDir, extra: ['--keep-releases', '1'] }),
      f.env(),
    );
    ok(published, 'publish --keep-releases 1');
    assert.deepEqual(published.json!['droppedReleases'], [f.v1]);

    const page = await f.context.newPage();
    await page.goto(`${f.server.url}/#/apps/${APP}`);
    await page.getByTestId(`release-state-${String(published.json!['releaseId'])}`).waitFor();
    assert.match(await page.getByTestId(`release-state-${f.v1}`).innerText(), /not listed/);
    assert.doesNotMatch(await page.getByTestId(`release-state-${f.v2}`).innerText(), /not listed/);

    await page.goto(`${f.server.url}/#/apps/${APP}/releases/${f.v1}`);
    await page.getByTestId('release-id').waitFor();
    await page.getByTestId('relist-hint').waitFor();
    assert.equal(await page.getByTestId('not-listed').innerText(), 'not listed');
    // v1 crashed on no device: its rate chart's axis still reads 0 % to 1 % in distinct steps
    // (it once drew five ticks that all read "0 %").
    const rateTicks = page.locator('figure', { hasText: 'Crash and rollback rate' }).getByTestId('y-tick');
    await rateTicks.first().waitFor();
    assert.deepEqual(await rateTicks.allTextContents(), ['0.00 %', '0.25 %', '0.50 %', '0.75 %', '1.00 %']);
    assert.equal(await page.getByTestId('promote').count(), 0, 'no promote the server would refuse');
    assert.equal(
      await page.getByTestId('relist-command').innerText(),
      `updraft release rollback ${f.v1} --app ${APP} --channel production`,
    );
    await shot(page, 'not-listed');

    // Another release in the same page: wait until it shows that one.
    await page.goto(`${f.server.url}/#/apps/${APP}/releases/${f.v2}`);
    await page.getByTestId('release-id').filter({ hasText: f.v2 }).waitFor();
    assert.equal(await page.getByTestId('not-listed').count(), 0);
    await page.close();
  },
);

test(
  "the release page lists the app's guardrail webhook deliveries: the trip's alert, its error, the host only",
  needsChromium,
  async () => {
    // A chat hook that cannot resolve (.invalid), so the delivery shows the error it got. The
    // path stands for a token and is never shown.
    const hook = 'https://chat.updraft.invalid/hooks/guardrail-token';
    const set = await runCli(
      ['guardrail', 'set', '--app', APP, '--channel', 'production', '--min-launches', '10', '--threshold', '10'].concat(
        ['--min-sources', '1', '--mode', 'alert', '--webhook', hook, '--json'],
      ),
      f.env(),
    );
    ok(set, 'guardrail set');
    const auth = { authorization: `Bearer ${f.server.adminKey}`, 'content-type': 'application/json' };
    const channels = (await (await fetch(`${f.server.url}/v1/apps/${APP}/channels`, { headers: auth })).json()) as {
      channels: {
        name: string;
        pointers: { releaseId: string; platform: string; basisPoints: number; halted: boolean }[];
      }[];
    };
    const live = channels.channels
      .find((c) => c.name === 'production')!
      .pointers.find((p) => p.basisPoints > 0 && !p.halted);
    assert.ok(live, `a live rollout on production: ${JSON.stringify(channels)}`);
    // Half the launches of the release production serves crash: the guardrail job (alert mode)
    // records the trip and queues the webhook; the webhook job tries it.
    const events = ['launched', 'crash'].flatMap((event) =>
      Array.from({ length: 10 }, () => ({
        id: randomBytes(16).toString('base64url'),
        event,
        releaseId: live.releaseId,
        channel: 'production',
        platform: live.platform,
        at: new Date().toISOString(),
      })),
    );
    const sent = await fetch(`${f.server.url}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
    });
    assert.equal(sent.status, 200, await sent.text());

    const page = await f.context.newPage();
    await page.goto(`${f.server.url}/#/apps/${APP}/releases/${live.releaseId}`);
    await page.getByTestId('release-id').filter({ hasText: live.releaseId }).waitFor();
    const refresh = page.getByTestId('guardrail-webhook-deliveries-refresh');
    const tried = page.getByTestId('guardrail-webhook-deliveries').locator('tr', { hasText: 'guardrail.alert' });
    const end = Date.now() + 30_000;
    for (;;) {
      await refresh.click();
      const text = (await tried.count()) === 1 ? await tried.innerText() : '';
      if (/chat\.updraft\.invalid/.test(text) && !/not tried yet/.test(text)) break;
      assert.ok(Date.now() < end, `a delivery with its first attempt's error: ${text}`);
      await page.waitForTimeout(250);
    }
    const row = await tried.innerText();
    assert.match(row, /pending|failed/, 'never delivered');
    assert.doesNotMatch(row, /guardrail-token/, 'the host only, never the path');
    const api = await runCli(['guardrail', 'deliveries', '--app', APP, '--json'], f.env());
    ok(api, 'guardrail deliveries');
    const [delivery] = api.json!['deliveries'] as { lastError: string | null }[];
    assert.ok(delivery!.lastError && row.includes(delivery!.lastError), `${row} shows ${delivery!.lastError}`);
    await page.close();
  },
);
