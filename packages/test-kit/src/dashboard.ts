import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT, publishArgs, runCli, startServerProcess, tempDir } from './cli.js';
import type { CliResult, ServerProcess } from './cli.js';

// The dashboard's end-to-end files share this setup: a real `updraft serve` process with the
// built dashboard, an app with two releases a simulated fleet ran (the second crashing), a
// viewer and a release manager who sign in with a password, and one Chromium profile.
// UPDRAFT_SCREENSHOTS=1 also writes the screenshots in docs/screenshots/.

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** The password of the users the setup creates. */
export const PASSWORD = 'correct horse battery staple';
/** Without Chromium (outside CI, where it is an error) the dashboard tests skip: nothing to drive. */
export const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && process.env['CI']) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
/** The `skip` option of a dashboard test. */
export const needsChromium = { skip: chromiumMissing && `no ${CHROMIUM}` };

/** Chromium, headless, with its profile in `profileDir`. */
export function launchChromium(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
  });
}

export const ok = (r: CliResult, what: string) => assert.equal(r.code, 0, `${what}: ${r.stderr}${r.stdout}`);

const shots = process.env['UPDRAFT_SCREENSHOTS'] ? join(REPO_ROOT, 'docs/screenshots') : null;
/** A full-page screenshot in docs/screenshots/<name>.png when UPDRAFT_SCREENSHOTS is set. */
export async function shot(page: Page, name: string): Promise<void> {
  if (!shots) return;
  await mkdir(shots, { recursive: true });
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/** What a dashboard test file reads once `before` has run. */
export interface Dashboard {
  readonly app: string;
  readonly work: { path: string; cleanup(): Promise<void> };
  readonly server: ServerProcess;
  readonly context: BrowserContext;
  /** The folder `apps create --keys` wrote the app's keys to. */
  readonly keysDir: string;
  readonly ingestKey: string;
  /** The first release (served to the fleet), and the second (30 % of its launches crashed). */
  readonly v1: string;
  readonly v2: string;
  /** UPDRAFT_SERVER and UPDRAFT_API_KEY (the owner key) for runCli. */
  env(): Record<string, string>;
  /** Signs `page` in as the owner with the API key, on the apps page. */
  signInWithKey(page: Page): Promise<void>;
  /** Signs `page` in as one of the users the setup created (viola@ a viewer, rel@ a release manager). */
  signInWithEmail(page: Page, email: string): Promise<void>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Registers the file's `before` (everything above) and `after` (Chromium, server and folder gone). */
export function dashboardOnServer(app: string, prefix: string): Dashboard {
  const d = { app } as Mutable<Dashboard>;
  d.env = () => ({ UPDRAFT_SERVER: d.server.url, UPDRAFT_API_KEY: d.server.adminKey });
  d.signInWithKey = async (page) => {
    await page.goto(d.server.url);
    await page.getByRole('tab', { name: 'API key' }).click();
    await page.getByLabel('API key').fill(d.server.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
  };
  d.signInWithEmail = async (page, email) => {
    await page.goto(d.server.url);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Apps' }).waitFor();
  };

  before(async () => {
    if (chromiumMissing) return;
    d.work = await tempDir(prefix);
    // The guardrail job runs (a test trips it), but no default guardrail can trip on the
    // simulated fleet: it is one network source, and the defaults ask for 5.
    d.server = await startServerProcess(join(d.work.path, 'data'), { args: ['--guardrail-interval', '200'] });
    d.keysDir = join(d.work.path, 'keys');
    ok(await runCli(['apps', 'create', app, '--keys', d.keysDir, '--json'], d.env()), 'apps create');
    const publish = async (name: string) => {
      const dir = join(d.work.path, name);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'index.ios.bundle'), `console.log(${JSON.stringify(name)})`);
      const r = await runCli(publishArgs({ dir, app, keys: d.keysDir }), d.env());
      ok(r, `publish ${name}`);
      return r.json!['releaseId'] as string;
    };
    const ingest = await runCli(['keys', 'ingest', 'create', '--app', app, '--json'], d.env());
    ok(ingest, 'ingest key');
    d.ingestKey = ingest.json!['key'] as string;
    const simulate = (extra: string[]) =>
      runCli(
        ['simulate', '--app', app, '--root', join(d.keysDir, 'root.json'), '--ingest-key', d.ingestKey]
          .concat(['--dir', join(d.work.path, 'fleet'), '--interval', '0', '--allow-insecure-localhost', '--json'])
          .concat(extra),
        d.env(),
      );
    d.v1 = await publish('v1');
    ok(await simulate(['--devices', '8', '--rounds', '2']), 'simulate v1');
    d.v2 = await publish('v2');
    ok(
      await simulate([
        '--devices',
        '8',
        '--rounds',
        '3',
        '--crash-rate',
        '0.3',
        '--crash-release',
        d.v2,
        '--seed',
        '3',
      ]),
      'simulate v2',
    );
    for (const [email, role] of [
      ['viola@example.com', 'viewer'],
      ['rel@example.com', 'release-manager'],
    ]) {
      ok(
        await runCli(['users', 'create', '--email', email!, '--role', role!, '--json'], {
          ...d.env(),
          UPDRAFT_USER_PASSWORD: PASSWORD,
        }),
        `users create ${role}`,
      );
    }
    d.context = await launchChromium(join(d.work.path, 'chromium-profile'));
  });

  after(async () => {
    // Optional chaining: `before` may have failed part-way, or not run without Chromium.
    await d.context?.close();
    await d.server?.stop();
    await d.work?.cleanup();
  });
  return d;
}
