import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  appSkeleton,
  installedFixtureApp,
  packedPackage,
  reactNativeNode,
  runWith,
  type Run,
} from '@updraft/test-kit/react-native-app';

// The package as an app gets it: `npm pack`ed, in a fresh app skeleton (react-native from npm,
// ios/ and android/ from the template package), seen by React Native's own autolinking and
// codegen. No phone: the native sources are checked against what React Native generates.

const rn = reactNativeNode();
const skip = rn.skip ? { skip: rn.skip } : {};
let work: string;
let app: string;

before(async () => {
  if (rn.skip) return;
  work = await mkdtemp(join(tmpdir(), 'updraft-rn-native-'));
  const fixture = await installedFixtureApp(rn.node!);
  const tarball = await packedPackage(rn.node!, join(work, 'pack'));
  app = join(work, 'app');
  await appSkeleton(rn.node!, fixture, tarball, app);
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

function ok(r: Run, what: string): Run {
  assert.equal(r.code, 0, `${what} failed:\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`);
  return r;
}

function node(args: string[], cwd = app): Promise<Run> {
  return runWith(rn.node!, rn.node!, args, cwd);
}

interface Signature {
  name: string;
  /** Argument types, in order, in Java's spelling (Kotlin's are mapped) or Objective-C's. */
  types: string[];
}

test('autolinking (npx react-native config) finds the iOS podspec and the Android package class', skip, async () => {
  const r = ok(await runWith(rn.node!, 'npx', ['--no-install', 'react-native', 'config'], app), 'react-native config');
  const config = JSON.parse(r.stdout) as {
    dependencies: Record<string, { root: string; platforms: Record<string, Record<string, unknown> | null> }>;
  };
  const dep = config.dependencies['@updraft/react-native'];
  assert.ok(dep, `autolinking did not list @updraft/react-native: ${Object.keys(config.dependencies).join(', ')}`);
  const root = join(app, 'node_modules/@updraft/react-native');
  assert.equal(dep.platforms['ios']?.['podspecPath'], join(root, 'UpdraftReactNative.podspec'));
  const android = dep.platforms['android']!;
  assert.equal(android['sourceDir'], join(root, 'android'));
  assert.equal(android['packageImportPath'], 'import dev.updraft.UpdraftPackage;');
  assert.equal(android['packageInstance'], 'new UpdraftPackage()');
  assert.equal(android['libraryName'], 'UpdraftSpec', "codegenConfig's name reaches the Android build");
});

const KOTLIN_TO_JAVA: Record<string, string> = {
  String: 'String',
  Promise: 'Promise',
  Double: 'double',
  Boolean: 'boolean',
  Int: 'int',
  ReadableMap: 'ReadableMap',
  ReadableArray: 'ReadableArray',
  Callback: 'Callback',
};

function kotlinSignatures(source: string, prefix: RegExp): Signature[] {
  const out: Signature[] = [];
  const re = new RegExp(`${prefix.source}\\s+fun\\s+(\\w+)\\(([^)]*)\\)`, 'g');
  for (const m of source.matchAll(re)) {
    if (m[1] === 'getName') continue;
    const types = m[2]!
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => {
        const t = p.split(':')[1]!.trim().replace(/\?$/, '');
        return KOTLIN_TO_JAVA[t] ?? t;
      });
    out.push({ name: m[1]!, types });
  }
  return out;
}

test(
  "React Native's codegen (Android): the Kotlin module implements every method of NativeUpdraftSpec, argument for argument",
  skip,
  async () => {
    const pkg = join(app, 'node_modules/@updraft/react-native');
    const out = join(work, 'codegen-android');
    await mkdir(out, { recursive: true });
    // The two steps React Native's Gradle plugin runs for a library (generateCodegenSchemaFromJavaScript,
    // generateCodegenArtifactsFromSchema), with the values of android/build.gradle's react { } block.
    ok(
      await node([
        'node_modules/@react-native/codegen/lib/cli/combine/combine-js-to-schema-cli.js',
        '--platform',
        'android',
        join(out, 'schema.json'),
        join(pkg, 'src'),
      ]),
      'codegen schema',
    );
    ok(
      await node([
        'node_modules/react-native/scripts/generate-specs-cli.js',
        '--platform',
        'android',
        '--schemaPath',
        join(out, 'schema.json'),
        '--outputDir',
        out,
        '--libraryName',
        'UpdraftSpec',
        '--javaPackageName',
        'dev.updraft',
      ]),
      'codegen specs',
    );
    const java = await readFile(join(out, 'java/dev/updraft/NativeUpdraftSpec.java'), 'utf8');
    assert.match(java, /public static final String NAME = "Updraft";/);
    const generated: Signature[] = [...java.matchAll(/public abstract void (\w+)\(([^)]*)\);/g)].map((m) => ({
      name: m[1]!,
      types: m[2]!
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
        .map((p) => p.split(/\s+/)[0]!),
    }));
    assert.deepEqual(
      generated.map((g) => g.name),
      ['writeFileAtomic', 'fsync', 'restart'],
    );

    const kt = (path: string) => readFile(join(pkg, 'android/src', path), 'utf8');
    const module = await kt('main/java/dev/updraft/UpdraftModule.kt');
    const byName = (s: Signature[]) => [...s].sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(
      byName(kotlinSignatures(module, /@ReactMethod\s+override/)),
      byName(generated),
      'UpdraftModule.kt',
    );
    assert.match(module, /class UpdraftModule\([^)]*\)\s*:\s*UpdraftSpec\(/);
    assert.match(module, /const val NAME = "Updraft"/);
    // New Architecture: UpdraftSpec is the generated class; old: a bridge module with the same methods.
    assert.match(
      await kt('newarch/java/dev/updraft/UpdraftSpec.kt'),
      /abstract class UpdraftSpec\([^)]*\)\s*:\s*NativeUpdraftSpec\(/,
    );
    const oldArch = await kt('oldarch/java/dev/updraft/UpdraftSpec.kt');
    assert.match(oldArch, /abstract class UpdraftSpec\([^)]*\)\s*:\s*ReactContextBaseJavaModule\(/);
    assert.deepEqual(byName(kotlinSignatures(oldArch, /abstract/)), byName(generated), 'oldarch UpdraftSpec.kt');
  },
);

/** `- (void)a:(T)x b:(U)y;` or RCT_EXPORT_METHOD(a:(T)x b:(U)y): the selector and its types. */
function objcSignature(text: string): Signature {
  const flat = text.replace(/\s+/g, ' ').trim();
  const parts = [...flat.matchAll(/(\w+):\(([^)]+)\)\s*\w+/g)];
  if (parts.length === 0) return { name: flat, types: [] };
  return { name: parts.map((p) => `${p[1]}:`).join(''), types: parts.map((p) => p[2]!.replace(/\s+/g, '')) };
}

test(
  "React Native's codegen (iOS): the Objective-C module implements every selector of the NativeUpdraftSpec protocol",
  skip,
  async () => {
    const out = join(work, 'codegen-ios');
    // What `pod install` runs for the app (it reads codegenConfig from every autolinked package).
    ok(
      await node([
        'node_modules/react-native/scripts/generate-codegen-artifacts.js',
        '-p',
        app,
        '-t',
        'ios',
        '-o',
        out,
      ]),
      'codegen',
    );
    const header = await readFile(join(out, 'build/generated/ios/ReactCodegen/UpdraftSpec/UpdraftSpec.h'), 'utf8');
    const protocol = /@protocol NativeUpdraftSpec <[^>]*>([\s\S]*?)@end/.exec(header)?.[1];
    assert.ok(protocol, 'the generated header declares the NativeUpdraftSpec protocol');
    const generated = [...protocol.matchAll(/-\s*\(void\)([^;]+);/g)].map((m) => objcSignature(m[1]!));
    assert.deepEqual(
      generated.map((g) => g.name),
      ['writeFileAtomic:base64:resolve:reject:', 'fsync:resolve:reject:', 'restart'],
    );
    assert.match(header, /class JSI_EXPORT NativeUpdraftSpecJSI\b/);
    const providers = await readFile(join(out, 'build/generated/ios/ReactCodegen/RCTModuleProviders.mm'), 'utf8');
    assert.match(providers, /@"Updraft": @"UpdraftModule"/, "codegenConfig's ios.modulesProvider maps the module");

    const mm = await readFile(join(app, 'node_modules/@updraft/react-native/ios/UpdraftModule.mm'), 'utf8');
    const exported = [...mm.matchAll(/RCT_EXPORT_METHOD\(([\s\S]*?)\)\s*\{/g)].map((m) => objcSignature(m[1]!));
    const byName = (s: Signature[]) => [...s].sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(byName(exported), byName(generated), 'UpdraftModule.mm');
    assert.match(mm, /RCT_EXPORT_MODULE\(Updraft\)/);
    assert.match(mm, /#import <UpdraftSpec\/UpdraftSpec\.h>/);
    assert.match(mm, /@interface UpdraftModule : NSObject <NativeUpdraftSpec>/);
    assert.match(mm, /std::make_shared<facebook::react::NativeUpdraftSpecJSI>\(params\)/);
  },
);
