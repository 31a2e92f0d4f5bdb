import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { publishArgs, runCli, startServerProcess, tempDir } from '@updraft/test-kit/cli';
import type { ServerProcess } from '@updraft/test-kit/cli';
import { chromiumMissing, launchChromium, needsChromium, ok } from '@updraft/test-kit/dashboard';
import { installResignRefusals, type ResignRefusals } from '@updraft/test-kit/resign-refusals';
import { startPostgres, type PostgresCluster } from '@updraft/test-kit/services';

// A halt or resume made in the dashboard that the server answers 409 metadata-changed (every
// one of its own runs lost the race to re-sign: other changes of the app landed at the same
// moment) changed nothing: the dashboard sends it again a few times, as the CLI does, and
// says what to do when every send lost. A real Chromium, a real server on a throwaway
// PostgreSQL whose metadata table refuses exactly the director versions the test asks for.

const APP = 'com.example.dashrace';
/** Runs of one change on the server before it answers 409 metadata-changed (resign-retry.ts). */
const SERVER_RUNS = 8;

let cluster: PostgresCluster | string = 'not started';
let server: ServerProcess | undefined;
let refusals: ResignRefusals | undefined;
let work: { path: string; cleanup(): Promise<void> } | undefined;
let context: BrowserContext | undefined;
let release = '';
let signedIn = false;

before(async () => {
  if (chromiumMissing) return;
  cluster = await startPostgres();
  if (typeof cluster === 'string') return;
  work = await tempDir('e2e-dash-race');
  const url = await cluster.createDatabase();
  server = await startServerProcess(join(work.path, 'data'), {
    args: ['--database', url, '--guardrail-interval', '0'],
  });
  refusals = await installResignRefusals(url);
  const env = { UPDRAFT_SERVER: server.url, UPDRAFT_API_KEY: server.adminKey };
  const keys = join(work.path, 'keys');
  ok(await runCli(['apps', 'create', APP, '--keys', keys, '--json'], env), 'apps create');
  const dir = join(work.path, 'bundle');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.ios.bundle'), 'console.log("r1")');
  const published = await runCli(publishArgs({ app: APP, dir, keys, extra: ['--rollout', '50'] }), env);
  ok(published, 'publish');
  release = published.json!['releaseId'] as string;
  context = await launchChromium(join(work.path, 'chromium-profile'));
});

after(async () => {
  await context?.close();
  await refusals?.close();
  await server?.stop();
  if (typeof cluster !== 'string') await cluster.stop();
  await work?.cleanup();
});

async function releasePage(): Promise<Page> {
  const page = await context!.newPage();
  page.on('dialog', (d) => void d.accept());
  if (!signedIn) {
    // The session cookie stays in the context for the tests after this one.
    await page.goto(server!.url);
    await page.getByRole('tab', { name: 'API key' }).click();
    await page.getByLabel('API key').fill(server!.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
    signedIn = true;
  }
  await page.goto(`${server!.url}/#/apps/${APP}/releases/${release}`);
  await page.getByTestId('release-id').waitFor();
  return page;
}

const skip = (ctx: { skip(reason: string): void }): boolean => {
  if (needsChromium.skip) ctx.skip(needsChromium.skip);
  else if (typeof cluster === 'string') ctx.skip(cluster);
  else return false;
  return true;
};

test('a halt the server refused once (metadata-changed) is sent again and lands', async (ctx) => {
  if (skip(ctx)) return;
  const page = await releasePage();
  // The server's first request loses all its runs and answers 409; the dashboard's second send wins.
  await refusals!.refuseNext(SERVER_RUNS);
  await page.getByTestId('halt').click();
  await page.getByTestId('resume').waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId('pointer-state').innerText(), 'halted by hand');
  assert.equal(await page.locator('.inline-error').count(), 0, 'no error shown');
  await page.close();
});

test('a resume that loses every send says so, and nothing changed', async (ctx) => {
  if (skip(ctx)) return;
  const page = await releasePage();
  // Four sends of SERVER_RUNS runs each: every one is refused.
  await refusals!.refuseNext(4 * SERVER_RUNS);
  await page.getByTestId('resume').click();
  const error = page.locator('.inline-error');
  await error.waitFor({ timeout: 30_000 });
  assert.match(await error.innerText(), /refused this change 4 times in a row .*nothing was changed: wait until those/);
  await refusals!.refuseNext(0);
  await page.reload();
  await page.getByTestId('resume').waitFor();
  assert.equal(await page.getByTestId('pointer-state').innerText(), 'halted by hand');
  await page.close();
});
