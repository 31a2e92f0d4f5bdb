import pg from 'pg';

/**
 * Makes a server on a throwaway PostgreSQL database lose its races to re-sign on demand: the
 * next `n` director versions any transaction stores are refused as already taken (23505, what
 * PostgreSQL answers when another writer stored that version first), so each refused run is
 * one lost race to the server. The counter is a sequence, so a refused (rolled back)
 * transaction still uses up one refusal. Every server change that re-signs stores a director.
 * `failNext` makes the next director writes fail outright instead (an error that is no race:
 * the server does not retry it).
 */
export interface ResignRefusals {
  /** Refuses the next n director versions (0: none). */
  refuseNext(n: number): Promise<void>;
  /** Fails the next n director writes with an error that is not a conflict (0: none). */
  failNext(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function installResignRefusals(databaseUrl: string): Promise<ResignRefusals> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`
    CREATE SEQUENCE IF NOT EXISTS test_director_refusals MINVALUE -1000000000 MAXVALUE 1000000000 START WITH 0 INCREMENT BY -1;
    CREATE SEQUENCE IF NOT EXISTS test_director_failures MINVALUE -1000000000 MAXVALUE 1000000000 START WITH 0 INCREMENT BY -1;
    CREATE OR REPLACE FUNCTION test_refuse_director() RETURNS trigger AS $$
    BEGIN
      IF NEW.role = 'director' AND nextval('test_director_refusals') > 0 THEN
        RAISE EXCEPTION 'director version % of % refused by the test', NEW.version, NEW.app_id
          USING ERRCODE = 'unique_violation';
      END IF;
      IF NEW.role = 'director' AND nextval('test_director_failures') > 0 THEN
        RAISE EXCEPTION 'director version % of % failed by the test', NEW.version, NEW.app_id;
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    DROP TRIGGER IF EXISTS test_refuse_director ON metadata;
    CREATE TRIGGER test_refuse_director BEFORE INSERT ON metadata
      FOR EACH ROW EXECUTE FUNCTION test_refuse_director();
  `);
  return {
    async refuseNext(n) {
      // nextval answers n first, so n inserts are refused before it reaches 0.
      await client.query(`SELECT setval('test_director_refusals', $1, false)`, [n]);
    },
    async failNext(n) {
      await client.query(`SELECT setval('test_director_failures', $1, false)`, [n]);
    },
    close: () => client.end(),
  };
}
