import type { CapacitorPlatform } from '../src/platform.js';

/**
 * @capacitor/filesystem and Capacitor's WebView plugin faked at their JavaScript API, in
 * memory, with the documented behaviour (errors say "does not exist"; rename replaces;
 * readFile answers base64 strings as on a device). The engine and the ports above are real.
 */
type Node = Uint8Array | 'dir';

export class MemoryFilesystem {
  readonly files = new Map<string, Node>([['DATA', 'dir']]);
  readonly root = '/data/user/0/com.example.app/files';

  private key(path: string, directory?: string): string {
    return `${directory ?? 'DATA'}/${path}`.replace(/\/+$/, '');
  }
  private missing(path: string): never {
    throw new Error(`File does not exist: ${path}`);
  }
  private parentMustExist(key: string, recursive?: boolean) {
    const parent = key.slice(0, key.lastIndexOf('/'));
    if (this.files.get(parent) === 'dir') return;
    if (!recursive) throw new Error(`Parent directory must exist: ${key}`);
    parent.split('/').reduce((acc, seg) => {
      const k = acc ? `${acc}/${seg}` : seg;
      if (!this.files.has(k)) this.files.set(k, 'dir');
      return k;
    }, '');
  }

  api: CapacitorPlatform['filesystem'] = {
    readFile: async ({ path, directory }) => {
      const v = this.files.get(this.key(path, directory));
      if (!(v instanceof Uint8Array)) this.missing(path);
      return { data: Buffer.from(v).toString('base64') };
    },
    writeFile: async ({ path, directory, data, recursive }) => {
      const k = this.key(path, directory);
      this.parentMustExist(k, recursive);
      this.files.set(k, new Uint8Array(Buffer.from(data as string, 'base64')));
      return { uri: `file://${k}` };
    },
    appendFile: async ({ path, directory, data }) => {
      const k = this.key(path, directory);
      const old = this.files.get(k);
      const add = Buffer.from(data, 'base64');
      this.files.set(k, new Uint8Array(Buffer.concat([old instanceof Uint8Array ? old : new Uint8Array(0), add])));
    },
    deleteFile: async ({ path, directory }) => {
      if (!(this.files.get(this.key(path, directory)) instanceof Uint8Array)) this.missing(path);
      this.files.delete(this.key(path, directory));
    },
    mkdir: async ({ path, directory, recursive }) => {
      const k = this.key(path, directory);
      if (this.files.has(k)) throw new Error('Directory exists');
      this.parentMustExist(k, recursive);
      this.files.set(k, 'dir');
    },
    rmdir: async ({ path, directory }) => {
      const k = this.key(path, directory);
      if (this.files.get(k) !== 'dir') this.missing(path);
      for (const f of [...this.files.keys()]) if (f === k || f.startsWith(`${k}/`)) this.files.delete(f);
    },
    readdir: async ({ path, directory }) => {
      const k = this.key(path ?? '', directory);
      if (this.files.get(k) !== 'dir') this.missing(path ?? '');
      const names = [...this.files.keys()].filter((f) => f.startsWith(`${k}/`) && !f.slice(k.length + 1).includes('/'));
      return {
        files: names.map((f) => ({ name: f.slice(k.length + 1), type: 'file' as const, size: 0, mtime: 0, uri: f })),
      };
    },
    stat: async ({ path, directory }) => {
      const v = this.files.get(this.key(path, directory));
      if (v === undefined) this.missing(path);
      return {
        type: v === 'dir' ? 'directory' : 'file',
        size: v === 'dir' ? 0 : v.length,
        mtime: 0,
        uri: path,
        name: path,
      };
    },
    rename: async ({ from, to, directory, toDirectory }) => {
      const a = this.key(from, directory);
      const b = this.key(to, toDirectory ?? directory);
      if (!this.files.has(a)) this.missing(from);
      this.parentMustExist(b);
      for (const f of [...this.files.keys()]) if (f === b || f.startsWith(`${b}/`)) this.files.delete(f);
      for (const [f, v] of [...this.files.entries()]) {
        if (f === a || f.startsWith(`${a}/`)) {
          this.files.delete(f);
          this.files.set(b + f.slice(a.length), v);
        }
      }
    },
    copy: async ({ from, to, directory, toDirectory }) => {
      const v = this.files.get(this.key(from, directory));
      if (!(v instanceof Uint8Array)) this.missing(from);
      this.files.set(this.key(to, toDirectory ?? directory), v.slice());
      return { uri: to };
    },
    getUri: async ({ path }) => ({ uri: `file://${this.root}/${path}` }),
  } as CapacitorPlatform['filesystem'];
}

export class FakeWebView {
  /** What the WebView serves now; starts at the app's embedded `public` folder. */
  current = '/android_asset/public';
  persisted = '/android_asset/public';
  reloads = 0;

  api: CapacitorPlatform['webView'] = {
    getServerBasePath: async () => ({ path: this.current }),
    setServerBasePath: async ({ path }) => {
      this.current = path;
      this.reloads++;
    },
    persistServerBasePath: async () => {
      this.persisted = this.current;
    },
  };

  /** The app process dies and starts again: the WebView loads the persisted path. */
  coldStart() {
    this.current = this.persisted;
  }
}
