import { parseJsonObject, parseManifest, type ReleaseManifest } from '@updraft/protocol';
import type { EmbeddedFile } from '../config.js';
import { manifestFile, releaseDir } from '../state/layout.js';
import type { Storage } from '../ports/ports.js';
import type { InstalledRelease } from '../state/state.js';

/** Where the device holds a file with a given SHA-256: inside its folder, or in the embedded bundle. */
export type BaseLocation = { kind: 'storage'; path: string } | { kind: 'embedded'; location: string };

/**
 * Every file the device already holds, by SHA-256: the files of its installed releases (from
 * their verified manifests) and of the embedded bundle. A hit is only a hint: whoever uses
 * the bytes checks their hash, because a folder may have been damaged since.
 */
export class BaseFiles {
  private readonly byHash = new Map<string, BaseLocation>();

  constructor(private readonly storage: Storage) {}

  static async collect(storage: Storage, held: InstalledRelease[], embedded: EmbeddedFile[]): Promise<BaseFiles> {
    const bases = new BaseFiles(storage);
    for (const release of held) {
      const bytes = await storage.readFile(manifestFile(release.releaseId));
      if (!bytes) continue;
      let manifest: ReleaseManifest;
      try {
        manifest = parseManifest(parseJsonObject(bytes, 'stored manifest'));
      } catch {
        continue; // a damaged local manifest only costs a download
      }
      for (const f of manifest.files)
        bases.add(f.sha256, { kind: 'storage', path: `${releaseDir(release.releaseId)}/${f.path}` });
    }
    if (storage.readExternal) {
      for (const f of embedded) bases.add(f.sha256, { kind: 'embedded', location: f.location });
    }
    return bases;
  }

  /** The first location wins: files inside the device folder are cheaper to copy. */
  add(sha256: string, location: BaseLocation): void {
    if (!this.byHash.has(sha256)) this.byHash.set(sha256, location);
  }

  /** Replaces what is known for a hash (a file just staged and verified). */
  set(sha256: string, location: BaseLocation): void {
    this.byHash.set(sha256, location);
  }

  get(sha256: string): BaseLocation | undefined {
    return this.byHash.get(sha256);
  }

  has(sha256: string): boolean {
    return this.byHash.has(sha256);
  }

  /** The bytes at a location, or null when they are gone. */
  async read(location: BaseLocation): Promise<Uint8Array | null> {
    if (location.kind === 'storage') return this.storage.readFile(location.path);
    return this.storage.readExternal ? this.storage.readExternal(location.location) : null;
  }
}
