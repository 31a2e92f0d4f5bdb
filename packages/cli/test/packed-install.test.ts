import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, test } from 'node:test';

// A machine that only publishes installs the CLI and what it needs, never the server: no
// native addon, no Fastify, database drivers or AWS SDK. The packed CLI and the packed
// workspace packages it depends on are installed into an empty folder, as a CI job would,
// and the installed tree is read back.

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const FORBIDDEN = [/^fastify$/, /^@fastify\//, /^pg$/, /^better-sqlite3$/, /^@aws-sdk\//, /^@updraft\/server$/];

const work = await mkdtemp(join(tmpdir(), 'updraft-packed-cli-'));
after(() => rm(work, { recursive: true, force: true }));

interface LsNode {
  version?: string;
  dependencies?: Record<string, LsNode>;
}

/** Every package npm ls reports installed (an unmet optional peer is listed without a version). */
function installedNames(node: LsNode, into = new Set<string>()): Set<string> {
  for (const [name, child] of Object.entries(node.dependencies ?? {})) {
    if (child.version === undefined) continue;
    into.add(name);
    installedNames(child, into);
  }
  return into;
}

/** Package folders under node_modules (scoped ones included). */
async function packageDirs(nodeModules: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(nodeModules, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const dir = join(nodeModules, entry.name);
    if (entry.name.startsWith('@')) out.push(...(await packageDirs(dir)));
    else out.push(dir, ...(await packageDirs(join(dir, 'node_modules'))));
  }
  return out;
}

test('the packed CLI installs without the server, a native addon or a server dependency; serve says what to install', async () => {
  const packs = join(work, 'packs');
  const app = join(work, 'app');
  await mkdir(packs);
  await mkdir(app);
  const workspaces = ['@updraft/api', '@updraft/protocol', '@updraft/client', '@updraft/signing', '@updraft/cli'];
  await run(
    NPM,
    ['pack', '--ignore-scripts', '--silent', '--pack-destination', packs, ...workspaces.flatMap((w) => ['-w', w])],
    {
      cwd: ROOT,
    },
  );
  const tarballs = (await readdir(packs)).filter((f) => f.endsWith('.tgz')).map((f) => join(packs, f));
  assert.equal(tarballs.length, workspaces.length, `packed ${tarballs.join(', ')}`);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'publisher-ci', private: true }));
  await run(NPM, ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: app });

  const { stdout } = await run(NPM, ['ls', '--all', '--omit=dev', '--json'], { cwd: app, maxBuffer: 16 << 20 });
  const names = installedNames(JSON.parse(stdout) as LsNode);
  assert.ok(names.has('@updraft/cli') && names.has('@updraft/signing'), [...names].join(', '));
  const forbidden = [...names].filter((n) => FORBIDDEN.some((re) => re.test(n)));
  assert.deepEqual(forbidden, [], 'the publisher tree holds server packages');
  const dirs = await packageDirs(join(app, 'node_modules'));
  assert.ok(!dirs.some((d) => d.endsWith(join('@updraft', 'server'))), 'the server package was installed');

  // A native addon shows as a binding.gyp, a gypfile flag or an install script in a package.
  for (const dir of dirs) {
    const files = await readdir(dir);
    assert.ok(!files.includes('binding.gyp'), `${dir} builds a native addon`);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      gypfile?: boolean;
      scripts?: Record<string, string>;
    };
    assert.ok(!manifest.gypfile, `${dir} builds a native addon`);
    for (const hook of ['preinstall', 'install', 'postinstall']) {
      assert.equal(manifest.scripts?.[hook], undefined, `${dir} runs an ${hook} script`);
    }
  }

  const bin = join(app, 'node_modules/@updraft/cli/bin/updraft.js');
  const serve = await run(process.execPath, [bin, 'serve', '--port', '0', '--json'], { cwd: app }).then(
    () => assert.fail('serve ran without the server package'),
    (err: { code: number; stdout: string }) => err,
  );
  assert.equal(serve.code, 1);
  const error = (JSON.parse(serve.stdout) as { error: { code: string; message: string } }).error;
  assert.equal(error.code, 'server-not-installed');
  assert.match(error.message, /npm install @updraft\/server/);

  // The publisher's side works from this tree: a key is generated and signs.
  const key = join(app, 'publisher.key.json');
  await run(process.execPath, [bin, 'keys', 'generate', '--out', key, '--json'], { cwd: app });
  assert.match(JSON.parse(await readFile(key, 'utf8')).private as string, /BEGIN PRIVATE KEY/);
});
