import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * An Expo app for the tests of `updraft publish --build expo`, whose node_modules hold a STUB
 * `expo` package: its bin answers `expo export` by copying STUB_EXPO_FIXTURE (real `npx expo
 * export` output) plus a source map, and `expo export:embed` by writing a bundle, an image and a
 * map where it is told. Every other command (`expo config`) runs the real Expo CLI named by
 * REAL_EXPO_CLI (from the installed test/fixtures/expo-app), with the same arguments in the same
 * folder; without it they fail. Each call is appended to expo-calls.log in the app. The real
 * export needs react-native and minutes; what Updraft reads with Expo's tools runs for real.
 */

const STUB_CLI = `#!/usr/bin/env node
const { cpSync, mkdirSync, writeFileSync, appendFileSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const args = process.argv.slice(2);
const flag = (name) => args[args.indexOf(name) + 1];
appendFileSync(join(process.cwd(), 'expo-calls.log'), JSON.stringify(args) + '\\n');
if (args[0] !== 'export' && args[0] !== 'export:embed') {
  if (!process.env.REAL_EXPO_CLI) {
    console.error('Error: this stub runs expo ' + args[0] + ' only with REAL_EXPO_CLI set');
    process.exit(3);
  }
  const real = spawnSync(process.execPath, [process.env.REAL_EXPO_CLI, ...args], { stdio: 'inherit' });
  process.exit(real.status ?? 1);
}
if (process.env.STUB_EXPO_FAIL) {
  console.error('Error: Unable to resolve module ./does-not-exist from index.js');
  process.exit(1);
}
const map = (file) => JSON.stringify({ version: 3, file, sources: ['App.tsx'], names: [], mappings: 'AAAA' });
if (args[0] === 'export') {
  const out = flag('--output-dir');
  cpSync(process.env.STUB_EXPO_FIXTURE, out, { recursive: true });
  const meta = require(join(out, 'metadata.json'));
  for (const p of Object.keys(meta.fileMetadata)) writeFileSync(join(out, meta.fileMetadata[p].bundle + '.map'), map(p));
} else {
  const bundle = flag('--bundle-output');
  writeFileSync(bundle, 'console.log("expo app on the Updraft client");\\n');
  mkdirSync(join(flag('--assets-dest'), 'drawable-mdpi'), { recursive: true });
  writeFileSync(join(flag('--assets-dest'), 'drawable-mdpi', 'assets_logo.png'), 'png');
  writeFileSync(flag('--sourcemap-output'), map('index.android.bundle'));
}
`;

/**
 * The stub app `name` in `root` (package.json with `deps`, app.json when given, `files` beside
 * them such as app.config.js), with the stub CLI and react-native's package.json installed.
 */
export async function stubExpoApp(
  root: string,
  name: string,
  deps: Record<string, string>,
  appJson: object | null,
  files: Record<string, string> = {},
): Promise<string> {
  const app = join(root, name);
  await mkdir(join(app, 'node_modules/expo/bin'), { recursive: true });
  await mkdir(join(app, 'node_modules/react-native'), { recursive: true });
  await writeFile(join(app, 'package.json'), JSON.stringify({ name, main: 'index.js', dependencies: deps }));
  if (appJson) await writeFile(join(app, 'app.json'), JSON.stringify(appJson));
  for (const [file, text] of Object.entries(files)) await writeFile(join(app, file), text);
  await writeFile(join(app, 'index.js'), "import 'expo';\n");
  await writeFile(
    join(app, 'node_modules/expo/package.json'),
    JSON.stringify({ name: 'expo', version: '0.0.0-stub', bin: { expo: 'bin/cli.js' } }),
  );
  await writeFile(join(app, 'node_modules/expo/bin/cli.js'), STUB_CLI);
  await chmod(join(app, 'node_modules/expo/bin/cli.js'), 0o755);
  await writeFile(
    join(app, 'node_modules/react-native/package.json'),
    JSON.stringify({ name: 'react-native', version: '0.0.0-stub' }),
  );
  return app;
}

/** The Expo CLI calls the stub saw in `app`, in order (each its arguments). */
export async function expoCalls(app: string): Promise<string[][]> {
  return (await readFile(join(app, 'expo-calls.log'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as string[]);
}
