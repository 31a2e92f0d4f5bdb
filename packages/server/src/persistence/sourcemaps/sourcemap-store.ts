/**
 * Source maps kept beside releases, reached as `store.sourcemaps`. The bytes are in the blob
 * store; this record is the only thing naming them, and it is not app_blobs (what device
 * routes serve from), so a source map is never served to devices.
 */
export interface ReleaseSourcemap {
  appId: string;
  releaseId: string;
  /** The file name, e.g. index.android.bundle.map (unique per release). */
  name: string;
  sha256: string;
  length: number;
  uploadedAt: string;
}

export interface SourcemapStore {
  /** Inserts, or replaces the map of that name (uploading it again after a rebuild). */
  put(m: ReleaseSourcemap): Promise<void>;
  get(appId: string, releaseId: string, name: string): Promise<ReleaseSourcemap | null>;
  /** The release's maps by name. */
  list(appId: string, releaseId: string): Promise<ReleaseSourcemap[]>;
}
