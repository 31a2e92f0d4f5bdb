/** The tables of migration 0012-expo. */
export interface ExpoTables {
  expo_updates: {
    app_id: string;
    release_id: string;
    update_id: string;
    platform: string;
    runtime_version: string;
    created_at: string;
    manifest: string;
    signature: string | null;
    key_id: string | null;
  };
  expo_signing_keys: {
    app_id: string;
    key_id: string;
    no_update_signature: string;
    updated_at: string;
  };
  expo_rollbacks: {
    app_id: string;
    channel: string;
    platform: string;
    runtime_version: string;
    commit_time: string;
    directive: string;
    signature: string | null;
    key_id: string | null;
  };
}
