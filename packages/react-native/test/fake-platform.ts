import { createHash } from 'node:crypto';
import { appendFile, copyFile, mkdir, readdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobUtil, BlobUtilResponse, BlobUtilTask } from 'react-native-blob-util';
import { applyNativeBoot, BOOT_POINTER_PATH, parseBootPointer, serializeBootPointer } from '@updraft/client';
import { NodeStorage } from '@updraft/client/node';
import type { UpdraftNativeModule } from '../src/native-module.js';
import { UPDRAFT_FOLDER } from '../src/updraft.js';

/**
 * react-native-blob-util and the Updraft native module faked at their JavaScript boundary,
 * with the documented behaviour, over the real file system of a temp folder and real HTTP.
 * Everything above them (the ports, the engine, the boot rule) is the real code.
 */
export function fakeBlobUtil(
  documentDir: string,
  requests: { url: string; headers: Record<string, string> }[] = [],
): BlobUtil {
  const exists = (p: string) =>
    stat(p).then(
      () => true,
      () => false,
    );
  return {
    fs: {
      dirs: { DocumentDir: documentDir },
      readFile: async (p) => (await readFile(p)).toString('base64'),
      writeFile: async (p, data) => writeFile(p, Buffer.from(data, 'base64')),
      mkdir: async (p) => void (await mkdir(p, { recursive: true })),
      mv: async (a, b) => {
        if (await exists(b)) throw new Error(`mv: ${b} exists`); // as iOS's moveItemAtPath
        await rename(a, b);
      },
      cp: async (a, b) => copyFile(a, b),
      unlink: async (p) => rm(p, { recursive: true }),
      exists,
      isDir: async (p) => (await stat(p)).isDirectory(),
      ls: async (p) => readdir(p),
      stat: async (p) => {
        const s = await stat(p);
        return { size: String(s.size), type: s.isDirectory() ? 'directory' : 'file' };
      },
      hash: async (p) =>
        createHash('sha256')
          .update(await readFile(p))
          .digest('hex'),
      df: async () => {
        const s = await statfs(documentDir);
        return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
      },
      appendFile: async (p, data) => appendFile(p, await readFile(data)),
    },
    config(options) {
      return {
        fetch(_method, url, headers = {}) {
          requests.push({ url, headers });
          const hook: { onProgress: ((received: number, total: number) => void) | null } = { onProgress: null };
          const controller = new AbortController();
          // blob-util's `timeout` gives up on a request that has not completed in time, with
          // the platform's message (iOS: NSURLErrorTimedOut's).
          let timedOut = false;
          const timer =
            options.timeout === undefined
              ? undefined
              : setTimeout(() => ((timedOut = true), controller.abort()), options.timeout);
          const run = (async (): Promise<BlobUtilResponse> => {
            await Promise.resolve(); // lets .progress() attach first, as the real task does
            const parts: Uint8Array[] = [];
            let res: Response;
            try {
              res = await fetch(url, { headers, redirect: 'manual', signal: controller.signal });
              // blob-util streams the body into `path` as it arrives: a dropped, cancelled or
              // timed-out transfer leaves there what came before it stopped.
              if (options.path && options.overwrite !== false) await writeFile(options.path, '');
              const reader = res.body?.getReader();
              let received = 0;
              while (reader) {
                const { done, value } = await reader.read();
                if (done) break;
                received += value.length;
                if (options.path) await appendFile(options.path, value);
                else parts.push(value);
                hook.onProgress?.(received, Number(res.headers.get('content-length') ?? -1));
              }
            } catch (err) {
              throw timedOut ? new Error('The request timed out.') : err;
            } finally {
              clearTimeout(timer);
            }
            const body = Buffer.concat(parts);
            const info = { status: res.status, headers: Object.fromEntries(res.headers.entries()) };
            return {
              info: () => info,
              base64: () => Buffer.from(body).toString('base64'),
              path: () => options.path ?? '',
              flush: () => undefined,
            };
          })();
          const task = run as BlobUtilTask;
          task.progress = (_config, cb) => ((hook.onProgress = cb), task);
          task.cancel = () => controller.abort();
          return task;
        },
      };
    },
  };
}

export class FakeNativeModule implements UpdraftNativeModule {
  restarts = 0;
  async writeFileAtomic(path: string, base64: string): Promise<void> {
    const temp = `${path}.tmp`;
    await writeFile(temp, Buffer.from(base64, 'base64'));
    await rename(temp, path);
  }
  async fsync(): Promise<void> {}
  restart(): void {
    this.restarts++;
  }
}

/** What ios/UpdraftBoot.swift and android/…/UpdraftBoot.kt do before JavaScript, via their TypeScript reference. */
export async function nativeBoot(documentDir: string): Promise<string | null> {
  const storage = new NodeStorage(join(documentDir, UPDRAFT_FOLDER));
  const bytes = await storage.readFile(BOOT_POINTER_PATH);
  const pointer = bytes ? parseBootPointer(bytes) : null;
  if (!pointer) return null;
  const found = new Set<string>();
  for (const r of [pointer.trial, pointer.pending, pointer.confirmed, pointer.fallback]) {
    const p = r && `releases/${r.releaseId}/${r.launch}`;
    if (p && (await storage.exists(p))) found.add(p);
  }
  const { next, launch } = applyNativeBoot(pointer, (p) => found.has(p));
  if (next !== pointer) await storage.writeFileAtomic(BOOT_POINTER_PATH, serializeBootPointer(next));
  return launch && storage.resolve(launch);
}
