import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.sqlite.js';
import * as m0002 from './0002-transparency-log.sqlite.js';
import * as m0003 from './0003-control-plane.sqlite.js';
import * as m0004 from './0004-leases.sqlite.js';
import * as m0005 from './0005-trust-lifecycle.sqlite.js';
import * as m0006 from './0006-fleet-insight.sqlite.js';
import * as m0007 from './0007-embedded-bundles.sqlite.js';
import * as m0008 from './0008-access-hardening.sqlite.js';
import * as m0009 from './0009-outsider-hardening.sqlite.js';
import * as m0010 from './0010-codepush.sqlite.js';
import * as m0011 from './0011-audit-anchoring.sqlite.js';
import * as m0012 from './0012-expo.sqlite.js';
import * as m0013 from './0013-sourcemaps.sqlite.js';
import * as m0014 from './0014-webhook-history.sqlite.js';

/**
 * The SQLite migration history, listed in code rather than read from a folder so it works
 * the same from `src` (tsx) and `dist`, and inside a bundled CLI. PostgreSQL gets its own
 * list (migrations/postgres), mirroring this one name for name.
 */
export const sqliteMigrations: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '0001-initial': m0001,
      '0002-transparency-log': m0002,
      '0003-control-plane': m0003,
      '0004-leases': m0004,
      '0005-trust-lifecycle': m0005,
      '0006-fleet-insight': m0006,
      '0007-embedded-bundles': m0007,
      '0008-access-hardening': m0008,
      '0009-outsider-hardening': m0009,
      '0010-codepush': m0010,
      '0011-audit-anchoring': m0011,
      '0012-expo': m0012,
      '0013-sourcemaps': m0013,
      '0014-webhook-history': m0014,
    };
  },
};
