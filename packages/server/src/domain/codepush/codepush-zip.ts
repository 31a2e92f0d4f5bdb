import { zipSync, type Zippable } from 'fflate';
import {
  CODEPUSH_DIFF_MANIFEST,
  CODEPUSH_FOLDER,
  CODEPUSH_SIGNATURE_FILE,
  codePushEntryPath,
  utf8Encode,
} from '@updraft/protocol';

/** A fixed timestamp, so the same contents always zip to the same bytes. */
const MTIME = new Date(2000, 0, 1);
/** Already compressed or tiny files gain nothing from deflate. */
const STORED = /\.(png|jpe?g|gif|webp|zip|gz|br|zst|mp3|mp4|woff2?)$/i;

export interface ZipFile {
  /** The release path (without the CodePush/ folder). */
  path: string;
  bytes: Uint8Array;
}

function entries(files: readonly ZipFile[], signature: string | null, extra: Record<string, Uint8Array>): Zippable {
  const out: Zippable = {};
  for (const f of files) {
    out[codePushEntryPath(f.path)] = [f.bytes, { level: STORED.test(f.path) ? 0 : 6, mtime: MTIME }];
  }
  if (signature !== null) {
    out[`${CODEPUSH_FOLDER}/${CODEPUSH_SIGNATURE_FILE}`] = [utf8Encode(signature), { level: 0, mtime: MTIME }];
  }
  for (const [name, bytes] of Object.entries(extra)) out[name] = [bytes, { level: 0, mtime: MTIME }];
  return out;
}

/**
 * The package zip as the CodePush CLI makes it: every file at `CodePush/<path>` (empty files
 * and non-ASCII names too: fflate marks those UTF-8), plus the signature when signed.
 */
export function packageZip(files: readonly ZipFile[], signature: string | null): Uint8Array {
  return zipSync(entries(files, signature, {}));
}

/**
 * A diff package: the new and changed files, the signature, and `hotcodepush.json` naming the
 * files the device deletes from its copy of the current package before overlaying this zip.
 */
export function diffZip(
  from: ReadonlyMap<string, string>,
  to: readonly (ZipFile & { sha256: string })[],
  signature: string | null,
  fromSigned: boolean,
): Uint8Array {
  const toPaths = new Set(to.map((f) => f.path));
  const deletedFiles = [...from.keys()].filter((p) => !toPaths.has(p)).map(codePushEntryPath);
  // An old signature left in the folder would be checked against the new contents.
  if (fromSigned && signature === null) deletedFiles.push(`${CODEPUSH_FOLDER}/${CODEPUSH_SIGNATURE_FILE}`);
  const changed = to.filter((f) => from.get(f.path) !== f.sha256);
  return zipSync(
    entries(changed, signature, { [CODEPUSH_DIFF_MANIFEST]: utf8Encode(JSON.stringify({ deletedFiles })) }),
  );
}
