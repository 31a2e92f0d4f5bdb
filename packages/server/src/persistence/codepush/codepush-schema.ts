/** The tables of migration 0010-codepush. */
export interface CodePushTables {
  codepush_deployments: {
    deployment_key: string;
    app_id: string;
    name: string;
    channel: string;
    platform: string;
    hash_secret: string;
    created_at: string;
  };
  codepush_packages: {
    app_id: string;
    release_id: string;
    package_hash: string;
    signature: string | null;
    target_range: string | null;
    zip_sha256: string;
    zip_length: number;
    created_at: string;
  };
  codepush_labels: {
    app_id: string;
    channel: string;
    platform: string;
    seq: number;
    release_id: string;
    /** 0 or 1. */
    mandatory: number;
    created_at: string;
  };
  codepush_diffs: {
    app_id: string;
    release_id: string;
    from_hash: string;
    zip_sha256: string;
    zip_length: number;
  };
}
