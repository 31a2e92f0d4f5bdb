import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Ports } from '../persistence/persistence.js';

/** A background job: runOnce must be safe to repeat (it may run again after a crash mid-run). */
export interface ScheduledJob {
  name: string;
  /** How often it runs across all instances together. */
  intervalMs: number;
  runOnce(nowMs: number): Promise<unknown>;
}

export interface JobRunnerOptions {
  store: Ports<'leases'>;
  jobs: ScheduledJob[];
  /** This process's name in the lease table (default host:pid:random). */
  holder?: string;
  now?: () => number;
  /** Called when a run throws; the runner keeps going. */
  onError?: (job: string, err: unknown) => void;
  /** Called after a run that succeeded, with its duration. */
  onRun?: (job: string, ms: number) => void;
}

export function defaultHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Runs scheduled jobs once per interval across every instance sharing the database. Each
 * tick the instance takes or renews the job's lease (`job:<name>`) for one interval; the
 * database lets one holder have it at a time, so with N stateless instances each job runs
 * on one of them, once per interval. The holder renews at least every half interval,
 * so the job stays put while that instance lives and moves to another within one interval
 * after it dies — never sooner than an interval after its last renewal.
 */
export class JobRunner {
  readonly holder: string;
  private readonly now: () => number;
  private readonly lastRun = new Map<string, number>();
  private readonly renewedAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: JobRunnerOptions) {
    this.holder = opts.holder ?? defaultHolder();
    this.now = opts.now ?? Date.now;
  }

  /** One pass over the jobs: runs those due here whose lease this instance gets. Returns their names. */
  async tick(): Promise<string[]> {
    const ran: string[] = [];
    for (const job of this.opts.jobs) {
      const nowMs = this.now();
      const last = this.lastRun.get(job.name);
      const due = last === undefined || nowMs - last >= job.intervalMs;
      const renewed = this.renewedAt.get(job.name);
      // The holder renews when the job is due and at least every half interval, so it keeps the
      // lease while it lives (another instance gets it only after a full interval without
      // renewal) without a database write on every tick; the others ask on every tick.
      if (!due && renewed !== undefined && nowMs - renewed < job.intervalMs / 2) continue;
      if (!(await this.opts.store.leases.tryAcquireLease(`job:${job.name}`, this.holder, job.intervalMs, nowMs))) {
        this.lastRun.delete(job.name);
        this.renewedAt.delete(job.name);
        continue;
      }
      this.renewedAt.set(job.name, nowMs);
      if (!due) continue;
      this.lastRun.set(job.name, nowMs);
      try {
        const started = Date.now();
        await job.runOnce(nowMs);
        ran.push(job.name);
        this.opts.onRun?.(job.name, Date.now() - started);
      } catch (err) {
        this.opts.onError?.(job.name, err);
      }
    }
    return ran;
  }

  /** Ticks every `everyMs` (default: the shortest job interval / 4) until stop(). */
  start(everyMs?: number): void {
    if (this.timer || this.opts.jobs.length === 0) return;
    const period = everyMs ?? Math.max(50, Math.min(...this.opts.jobs.map((j) => j.intervalMs)) / 4);
    const loop = () => {
      if (this.stopped) return;
      this.running = this.tick()
        .catch((err: unknown) => this.opts.onError?.('job-runner', err))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, period).unref();
        });
    };
    this.timer = setTimeout(loop, 0).unref();
  }

  /** Stops ticking, waits for a run in progress and gives up this instance's leases. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running.catch(() => undefined);
    for (const job of this.opts.jobs) {
      await this.opts.store.leases.releaseLease(`job:${job.name}`, this.holder).catch(() => undefined);
    }
  }
}
