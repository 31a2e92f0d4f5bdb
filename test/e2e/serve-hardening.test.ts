// `updraft serve` as an operator runs it: what it prints, the modes of its data folder, and
// its cookies and headers behind a real TLS-terminating nginx (issue 14 points 10, 11, 12).
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startServerProcess, tempDir, type ServerProcess } from '@updraft/test-kit/cli';
import { freePort, skipOrFail } from '@updraft/test-kit/services';

const work = await tempDir('serve-hardening');
after(() => work.cleanup());

let ca: Buffer | undefined;
const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('the owner key on stdout (point 12)', () => {
  it('is never printed when stdout is a pipe: only the path of admin.key', async () => {
    // The human-readable form, through a pipe like a CI log or journald.
    const text = await serveOnce(join(work.path, 'human'), []);
    const key = (await readFile(join(work.path, 'human', 'admin.key'), 'utf8')).trim();
    assert.ok(!text.includes(key), `the owner key leaked to a pipe:\n${text}`);
    assert.match(text, /admin\.key/);
    const json = await serveOnce(join(work.path, 'json'), ['--json']);
    const jsonKey = (await readFile(join(work.path, 'json', 'admin.key'), 'utf8')).trim();
    assert.ok(!json.includes(jsonKey), 'the owner key leaked into --json output');
    // Log lines (JSON too) may come before the --json line; none of them may hold the key either.
    const info = JSON.parse(json.split('\n').find((l) => l.includes('"adminKeyPath"'))!) as Record<string, unknown>;
    assert.equal(info['adminKey'], null);
    assert.equal(info['adminKeyCreated'], true);
    assert.equal(info['adminKeyPath'], join(work.path, 'json', 'admin.key'));
  });
});

/** Starts `updraft serve` with stdout piped, returns what it printed once it listens, stops it. */
async function serveOnce(dataDir: string, extra: string[]): Promise<string> {
  const child = spawn(
    process.execPath,
    ['packages/cli/dist/bin.js', 'serve', '--port', '0', '--data', dataDir, '--no-jobs', ...extra],
    { cwd: new URL('../..', import.meta.url).pathname, env: { ...process.env, NO_COLOR: '1' }, stdio: 'pipe' },
  );
  return collectUntil(child, (out) =>
    out
      .split('\n')
      .slice(0, -1)
      .some((l) => l.includes('admin.key')),
  );
}

function collectUntil(child: ChildProcess, done: (out: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      process.kill(child.pid!, 'SIGTERM');
      reject(new Error(`serve printed no admin.key line in 20 s: ${out} ${err}`));
    }, 20_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (done(out)) {
        clearTimeout(timer);
        child.once('exit', () => resolve(out));
        process.kill(child.pid!, 'SIGTERM');
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!done(out)) reject(new Error(`serve exited with ${code}: ${err}`));
    });
  });
}

describe('data folder modes (point 10)', () => {
  it('tightens a world-readable data folder and database left by an earlier start to 0700 / 0600', async () => {
    const dataDir = join(work.path, 'loose');
    const first = await startServerProcess(dataDir);
    await first.stop();
    // What an old version, a backup restore or `cp -r` without -p leaves behind.
    await chmod(dataDir, 0o755);
    for (const name of ['updraft.db', 'admin.key']) await chmod(join(dataDir, name), 0o644);
    await writeFile(join(dataDir, 'updraft.db-wal'), '', { mode: 0o666 });
    await chmod(join(dataDir, 'updraft.db-wal'), 0o666);
    const again = await startServerProcess(dataDir);
    try {
      assert.equal(await mode(dataDir), 0o700);
      for (const name of ['updraft.db', 'updraft.db-wal', 'updraft.db-shm', 'admin.key']) {
        assert.equal(await mode(join(dataDir, name)), 0o600, name);
      }
    } finally {
      await again.stop();
    }
  });

  it('creates a new data folder 0700 and its database 0600 under a permissive umask', async () => {
    const dataDir = join(work.path, 'fresh');
    const server = await startServerProcess(dataDir, { args: ['--no-jobs'] });
    try {
      assert.equal(await mode(dataDir), 0o700);
      assert.equal(await mode(join(dataDir, 'updraft.db')), 0o600);
    } finally {
      await server.stop();
    }
  });
});

describe('behind a TLS-terminating nginx (point 11)', () => {
  let nginx: ChildProcess | undefined;
  let server: ServerProcess | undefined;
  after(async () => {
    if (nginx?.pid && nginx.exitCode === null) process.kill(nginx.pid, 'SIGTERM');
    await server?.stop();
  });

  it('sets a Secure __Host- session cookie and HSTS only for the proxy it was told to trust', async (t) => {
    if (!commandExists('nginx') || !commandExists('openssl'))
      return skipOrFail(t, 'nginx', 'nginx or openssl not installed');
    const dir = join(work.path, 'nginx');
    await mkdir(dir, { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    server = await startServerProcess(join(work.path, 'proxied'), {
      args: ['--no-jobs', '--trust-proxy', '127.0.0.1'],
    });
    const port = await freePort();
    await writeFile(
      join(dir, 'nginx.conf'),
      `daemon off;
pid ${dir}/nginx.pid;
error_log stderr;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;
    location / {
      proxy_pass ${server.url};
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-For $remote_addr;
    }
  }
}
`,
    );
    nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    ca = await readFile(join(dir, 'cert.pem'));
    await waitFor(async () => (await httpsGet(port, '/healthz', {})).status === 200);

    const signIn = await httpsGet(port, '/auth/session', { 'content-type': 'application/json' }, 'POST', {
      apiKey: server.adminKey,
    });
    assert.equal(signIn.status, 200);
    const setCookie = String(signIn.headers['set-cookie']);
    assert.match(
      setCookie,
      /^__Host-updraft_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/,
    );
    assert.equal(signIn.headers['strict-transport-security'], 'max-age=31536000');
    const cookie = setCookie.split(';')[0]!;
    const apps = await httpsGet(port, '/v1/apps', { cookie });
    assert.equal(apps.status, 200, 'the __Host- cookie signs in over https');
    // A cookie planted without the prefix (by a sibling subdomain or a plain-http page) is not read.
    const planted = await httpsGet(port, '/v1/apps', { cookie: cookie.replace('__Host-', '') });
    assert.equal(planted.status, 401);

    // A server that trusts no proxy ignores a forged X-Forwarded-Proto sent straight to it.
    const plain = await startServerProcess(join(work.path, 'unproxied'), { args: ['--no-jobs'] });
    try {
      const res = await fetch(`${plain.url}/auth/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
        body: JSON.stringify({ apiKey: plain.adminKey }),
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('set-cookie') ?? '', /^updraft_session=/);
      assert.doesNotMatch(res.headers.get('set-cookie') ?? '', /Secure/);
      assert.equal(res.headers.get('strict-transport-security'), null, 'no HSTS from a forged header');
    } finally {
      await plain.stop();
    }
  });

  it('refuses a --trust-proxy value that is not an address or range', async () => {
    const { runCli } = await import('@updraft/test-kit/cli');
    const res = await runCli([
      'serve',
      '--port',
      '0',
      '--data',
      join(work.path, 'bad'),
      '--trust-proxy',
      'proxy.local',
    ]);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /--trust-proxy takes IP addresses or CIDR ranges/);
  });
});

const NGINX = '/usr/sbin/nginx';

function commandExists(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], {
      stdio: 'ignore',
      env: { ...process.env, PATH: `${process.env['PATH']}:/usr/sbin` },
    });
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('nginx did not come up in 10 s');
}

function httpsGet(
  port: number,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: unknown,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    // The test's own self-signed certificate is the only one trusted.
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        path,
        method,
        headers,
        ca,
        checkServerIdentity: () => undefined,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
