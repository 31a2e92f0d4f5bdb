import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './services.js';

/**
 * A real nginx on 127.0.0.1 (config in a temp dir, free port, stopped by PID), set up the way
 * sites put it in front of Updraft: gzip on for every type (it re-encodes what it passes),
 * and either a caching reverse proxy (buffering on, proxy_cache honouring the origin's
 * Cache-Control and Vary) or a plain static host for an `updraft export` folder.
 */
export interface Nginx {
  url: string;
  /** The access log so far: one `<status> <cache status> <content-encoding> <uri>` line per request. */
  accessLog(): Promise<string[]>;
  stop(): Promise<void>;
}

export type NginxMode = { proxyTo: string } | { staticRoot: string };

const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'];

function findNginx(): string | null {
  const fromEnv = process.env['UPDRAFT_TEST_NGINX'];
  if (fromEnv) return fromEnv;
  return NGINX_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** Starts nginx, or returns why it cannot (then the caller skips, or fails under CI). */
export async function startNginx(mode: NginxMode): Promise<Nginx | string> {
  const bin = findNginx();
  if (!bin) return 'nginx is not installed (apt-get install nginx)';
  const dir = await mkdtemp(join(tmpdir(), 'updraft-nginx-'));
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  await writeFile(conf, config(dir, port, mode));
  const check = spawnSync(bin, ['-t', '-q', '-p', dir, '-c', conf], { encoding: 'utf8' });
  if (check.status !== 0) {
    await rm(dir, { recursive: true, force: true });
    return `nginx refused the test config: ${check.stderr.trim()}`;
  }
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await rm(dir, { recursive: true, force: true });
      return `nginx exited with ${child.exitCode}: ${stderr.trim()}`;
    }
    const up = await fetch(`${url}/__nginx_up`).then(
      (r) => r.status === 204,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      process.kill(child.pid!, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
      return `nginx did not answer on ${url} within 10 s: ${stderr.trim()}`;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    accessLog: async () =>
      (await readFile(join(dir, 'access.log'), 'utf8').catch(() => ''))
        .split('\n')
        .filter((l) => l !== '' && !l.endsWith(' /__nginx_up')),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
        // SIGQUIT: graceful stop of the master and its workers.
        process.kill(child.pid!, 'SIGQUIT');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function config(dir: string, port: number, mode: NginxMode): string {
  // As root (CI), nginx would switch its workers to `nobody`, who cannot read a temp dir.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const site =
    'proxyTo' in mode
      ? `
    location / {
      proxy_pass ${mode.proxyTo};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering on;
      proxy_cache updraft;
      proxy_cache_revalidate on;
    }`
      : `
    root ${resolve(mode.staticRoot)};
    location / {
      try_files $uri =404;
      etag on;
    }`;
  return `${user}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  log_format updraft '$status $upstream_cache_status $sent_http_content_encoding $request_uri';
  access_log ${dir}/access.log updraft;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy_temp;
  fastcgi_temp_path ${dir}/fastcgi_temp;
  uwsgi_temp_path ${dir}/uwsgi_temp;
  scgi_temp_path ${dir}/scgi_temp;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=updraft:10m max_size=1g inactive=60m use_temp_path=off;
  types { application/json json; }
  default_type application/octet-stream;
  sendfile on;
  gzip on;
  gzip_proxied any;
  gzip_types *;
  gzip_min_length 20;
  gzip_vary on;
  server {
    listen 127.0.0.1:${port};
    location = /__nginx_up { access_log off; return 204; }${site}
  }
}
`;
}
