/** Leases: a named, expiring claim shared by every process on the database (one job runner at a time). */

export interface LeaseStore {
  /**
   * Takes or renews the lease `name` for `holder` until nowMs + ttlMs. True when the caller
   * holds it now: it was free, expired, or already the caller's. Atomic across every process
   * sharing the database, so a scheduled job guarded by it runs on one instance at a time.
   */
  tryAcquireLease(name: string, holder: string, ttlMs: number, nowMs?: number): Promise<boolean>;
  /** Gives the lease up early if `holder` has it (no-op otherwise). */
  releaseLease(name: string, holder: string): Promise<void>;
}
