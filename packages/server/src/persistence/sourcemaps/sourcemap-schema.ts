/** The table of migration 0013-sourcemaps. */
export interface SourcemapTables {
  release_sourcemaps: {
    app_id: string;
    release_id: string;
    name: string;
    sha256: string;
    length: number;
    uploaded_at: string;
  };
}
