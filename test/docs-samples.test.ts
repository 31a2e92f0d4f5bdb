import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

// Every ```ts, ```typescript and ```tsx block in README.md and docs/**/*.md type-checks, in
// strict mode, against the workspace packages as built (their dist/ types): a guide whose
// sample no longer compiles fails here. Each block is its own module. Two markers, as an HTML
// comment just before the fence (a blank line between is fine), to be used sparingly:
//   <!-- typecheck: continues -->   the block goes on from the previous block of the file
//   <!-- typecheck: skip (why) -->  a deliberate fragment, not checked

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * What an app has that this repository does not install: the few parts of Electron, React
 * Native and Capacitor the guides use (their real packages need native toolchains), and the
 * trust anchor an app ships as JSON.
 */
const APP_ENVIRONMENT = `
declare module 'electron' {
  export const app: {
    getPath(name: 'userData' | 'temp'): string;
    getVersion(): string;
    relaunch(): void;
    exit(code?: number): void;
    whenReady(): Promise<void>;
    on(event: string, listener: () => void): void;
  };
  export class BrowserWindow {
    constructor(options?: { webPreferences?: { preload?: string } });
    loadFile(path: string): Promise<void>;
  }
  export const ipcMain: { handleOnce(channel: string, listener: (...args: unknown[]) => unknown): void };
}
declare module 'react-native' {
  import type { ReactElement, ReactNode } from 'react';
  export const Platform: { OS: 'ios' | 'android' | 'web' | 'windows' | 'macos' };
  export function Text(props: { children?: ReactNode }): ReactElement | null;
  export function View(props: { children?: ReactNode }): ReactElement | null;
}
declare module '@capacitor/app' {
  export const App: { addListener(event: 'pause' | 'resume', listener: () => void): Promise<{ remove(): Promise<void> }> };
}
declare const ErrorUtils: {
  setGlobalHandler(handler: (error: unknown, isFatal?: boolean) => void): void;
  getGlobalHandler(): (error: unknown, isFatal?: boolean) => void;
};
`;

interface Sample {
  file: string;
  line: number;
  lang: string;
  code: string;
  /** The Markdown line of each code line. */
  lines: number[];
}

function markdownFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
    );
  return [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'))];
}

function samplesOf(path: string): Sample[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: Sample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript|tsx)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, k) => k > i && l.startsWith('```'));
    assert.ok(end > i, `${relative(ROOT, path)}:${i + 1}: code block never closed`);
    let before = i - 1;
    while (before >= 0 && lines[before]!.trim() === '') before--;
    const marker = /^<!--\s*typecheck:\s*(\w+)/.exec(lines[before] ?? '')?.[1];
    const code = lines.slice(i + 1, end).join('\n');
    const lineNumbers = Array.from({ length: end - i - 1 }, (_, k) => i + 2 + k);
    const sample = { file: relative(ROOT, path), line: i + 1, lang: open[1]!, code, lines: lineNumbers };
    if (marker === 'continues') {
      const previous = out.at(-1);
      assert.ok(previous, `${sample.file}:${sample.line}: "continues" with no block before it`);
      previous.code += `\n${code}`;
      previous.lines.push(...lineNumbers);
      if (sample.lang === 'tsx') previous.lang = 'tsx';
    } else if (marker !== 'skip') {
      assert.equal(marker, undefined, `${sample.file}:${sample.line}: unknown typecheck marker "${marker}"`);
      out.push(sample);
    }
    i = end;
  }
  return out;
}

test('every TypeScript sample in README.md and docs/ type-checks against the packages', () => {
  const samples = markdownFiles().flatMap(samplesOf);
  assert.ok(samples.length >= 5, `found only ${samples.length} samples: is the extraction broken?`);
  // Virtual files under a folder of the repository, so imports resolve in its node_modules.
  const dir = join(ROOT, 'test', '.docs-samples');
  const virtual = new Map<string, string>([
    [join(dir, 'app-environment.d.ts'), APP_ENVIRONMENT],
    // The app's src/updraft.ts of guides/react-native.md step 4, imported by later samples
    // (as './src/updraft' from the app's root, as './updraft' from another file in src/).
    ...['src/updraft.ts', 'updraft.ts'].map((file): [string, string] => [
      join(dir, file),
      "import type { Updraft } from '@updraft/react-native';\nexport declare const updraft: Updraft;\n",
    ]),
    // The shape `updraft apps create` writes; the samples only pass it on.
    [join(dir, 'updraft-root.json'), '{"signed": {"_type": "root", "version": 1}, "signatures": []}'],
  ]);
  const origin = new Map<string, Sample>();
  samples.forEach((s, i) => {
    const path = join(dir, `sample-${i}.${s.lang === 'tsx' ? 'tsx' : 'ts'}`);
    // `export {}` makes every sample a module, so top-level await works as in the guides.
    virtual.set(path, `${s.code}\nexport {};\n`);
    origin.set(path, s);
  });
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    jsx: ts.JsxEmit.ReactJSX,
    resolveJsonModule: true,
    esModuleInterop: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (f) => virtual.get(f) ?? readFile(f);
  host.fileExists = (f) => virtual.has(f) || fileExists(f);
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (d) => d === dir || d.startsWith(`${dir}/`) || (directoryExists?.(d) ?? true);
  host.getSourceFile = (f, lang, onError, create) => {
    const text = virtual.get(f);
    return text !== undefined ? ts.createSourceFile(f, text, lang) : getSourceFile(f, lang, onError, create);
  };
  const program = ts.createProgram([...origin.keys(), join(dir, 'app-environment.d.ts')], options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const sample = d.file ? origin.get(d.file.fileName) : undefined;
    if (!d.file || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const where = sample ? `${sample.file}:${sample.lines[line] ?? sample.line}` : relative(ROOT, d.file.fileName);
    return `${where}: ${message}`;
  });
  assert.deepEqual(problems, [], `${problems.length} type error(s) in the docs' samples:\n${problems.join('\n')}`);
});
