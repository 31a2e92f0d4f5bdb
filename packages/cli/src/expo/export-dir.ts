import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isExpoExtension, isExpoPlatform, relativePathProblem, type ExpoPlatform } from '@updraft/protocol';
import { collectFiles, type LocalFile } from '../files.js';
import { CliError } from '../output.js';

/** One platform of an `npx expo export` folder: its launch bundle and assets, hashed. */
export interface ExportedPlatform {
  platform: ExpoPlatform;
  bundle: LocalFile;
  assets: { file: LocalFile; ext: string }[];
}

export interface ExpoExport {
  platforms: ExportedPlatform[];
  /** expoConfig.json beside metadata.json, when present: goes into the manifest's extra.expoClient. */
  expoConfig: Record<string, unknown> | null;
}

const bad = (dir: string, what: string) =>
  new CliError(
    'bad-input',
    `${dir} is not an \`npx expo export\` folder: ${what}; run npx expo export again and publish its output folder (dist/)`,
  );

/**
 * Reads the output of `npx expo export`: metadata.json names each platform's launch bundle
 * (Hermes bytecode .hbc, or .js) and its assets (`assets/<md5>` with their extension).
 * `platform` picks one, or `all` every platform the export has.
 */
export async function readExpoExport(dir: string, platform: string, maxFileBytes: number): Promise<ExpoExport> {
  let metadata: unknown;
  try {
    metadata = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8'));
  } catch (err) {
    throw bad(dir, `its metadata.json is missing or not JSON (${(err as Error).message})`);
  }
  const fileMetadata = (metadata as { fileMetadata?: unknown } | null)?.fileMetadata;
  if ((metadata as { version?: unknown }).version !== 0 || typeof fileMetadata !== 'object' || fileMetadata === null) {
    throw bad(dir, 'metadata.json has no version 0 fileMetadata');
  }
  const listed = Object.keys(fileMetadata).filter(isExpoPlatform);
  if (platform !== 'all' && !isExpoPlatform(platform)) {
    throw new CliError('usage', `--platform must be ios, android or all with --expo, not "${platform}"`, {
      exitCode: 2,
    });
  }
  const wanted = platform === 'all' ? listed : [platform];
  if (wanted.length === 0) throw bad(dir, 'metadata.json lists neither ios nor android');
  for (const p of wanted) {
    if (!listed.includes(p))
      throw bad(dir, `metadata.json has no ${p} platform (it has: ${listed.join(', ') || 'none'})`);
  }
  const files = new Map((await collectFiles(dir, maxFileBytes)).map((f) => [f.path, f]));
  const fileAt = (path: unknown, what: string): LocalFile => {
    if (typeof path !== 'string' || relativePathProblem(path) !== null)
      throw bad(dir, `${what} is not a relative path`);
    const f = files.get(path);
    if (!f) throw bad(dir, `${what} ${path} is missing (or left out by .updraftignore)`);
    return f;
  };
  const platforms = wanted.map((p): ExportedPlatform => {
    const entry = (fileMetadata as Record<string, { bundle?: unknown; assets?: unknown }>)[p]!;
    const bundle = fileAt(entry.bundle, `the ${p} bundle`);
    if (!Array.isArray(entry.assets)) throw bad(dir, `metadata.json's ${p} assets is not a list`);
    const seen = new Set<string>();
    const assets = [];
    for (const a of entry.assets as { path?: unknown; ext?: unknown }[]) {
      const file = fileAt(a?.path, `a ${p} asset`);
      const ext = typeof a.ext === 'string' ? a.ext : '';
      if (!isExpoExtension(ext)) throw bad(dir, `the ${p} asset ${file.path} has no usable extension ("${ext}")`);
      // The same bytes under two names are one asset for the device (it stores assets by hash).
      if (seen.has(file.sha256)) continue;
      seen.add(file.sha256);
      assets.push({ file, ext });
    }
    return { platform: p, bundle, assets };
  });
  let expoConfig: Record<string, unknown> | null = null;
  const configText = await readFile(join(dir, 'expoConfig.json'), 'utf8').catch(() => null);
  if (configText !== null) {
    try {
      expoConfig = JSON.parse(configText) as Record<string, unknown>;
    } catch {
      throw bad(dir, 'expoConfig.json is not JSON');
    }
  }
  return { platforms, expoConfig };
}
