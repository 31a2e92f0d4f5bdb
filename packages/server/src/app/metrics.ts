/**
 * The server's counters in Prometheus' text exposition format (version 0.0.4). Small on
 * purpose: counters and one latency histogram, labels from a fixed vocabulary (route
 * patterns, never raw URLs), so the number of series stays bounded whatever devices send.
 */

import type { DownloadSlots } from '../http/download-slots.js';

type Labels = Record<string, string>;

/** Seconds; from a cached check (well under a millisecond) to a slow publish. */
const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function labelKey(labels: Labels): string {
  const names = Object.keys(labels).sort();
  return names.map((n) => `${n}="${escapeLabel(labels[n]!)}"`).join(',');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

class Counter {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [key, value] of this.values) out.push(`${this.name}${key ? `{${key}}` : ''} ${value}`);
  }
}

class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[],
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`);
    for (const [key, s] of this.series) {
      const sep = key ? ',' : '';
      this.buckets.forEach((le, i) => out.push(`${this.name}_bucket{${key}${sep}le="${le}"} ${s.counts[i]}`));
      out.push(`${this.name}_bucket{${key}${sep}le="+Inf"} ${s.count}`);
      out.push(
        `${this.name}_sum${key ? `{${key}}` : ''} ${s.sum}`,
        `${this.name}_count${key ? `{${key}}` : ''} ${s.count}`,
      );
    }
  }
}

/** Counts the front door keeps itself (plain integers on its hot path), read at scrape time. */
export interface FrontDoorCounts {
  /** Checks answered from the cached timestamp. */
  cache: number;
  /** Checks answered right after loading the timestamp from the database. */
  computed: number;
  /** Response bytes written by the front door. */
  bytes: number;
}

export class Metrics {
  readonly requests = new Counter('updraft_http_requests_total', 'HTTP requests by method, route and status');
  readonly latency = new Histogram(
    'updraft_http_request_duration_seconds',
    'HTTP request latency by method, route and status',
    LATENCY_BUCKETS,
  );
  readonly bytesServed = new Counter('updraft_http_response_bytes_total', 'Response body bytes sent, by route');
  readonly checks = new Counter(
    'updraft_device_checks_total',
    "Devices' timestamp checks by how they were answered: from the cache, or computed (database read)",
  );
  readonly publishes = new Counter('updraft_publishes_total', 'Publish requests by result (ok, rejected, failed)');
  readonly jobRuns = new Counter('updraft_job_runs_total', 'Background job runs by job and result (ok, failed)');
  readonly dependencyErrors = new Counter(
    'updraft_dependency_errors_total',
    'Requests failed because the database or blob store was unavailable, by dependency',
  );
  readonly serverErrors = new Counter('updraft_internal_errors_total', 'Unexpected server errors (HTTP 500)');
  readonly eventsIngested = new Counter('updraft_events_ingested_total', 'Device events received in accepted batches');
  readonly guardrailTrips = new Counter(
    'updraft_guardrail_trips_total',
    'Guardrail trips recorded, by action: halted (the rollout was halted) or alerted (alert mode)',
  );
  readonly guardrailHaltsDeferred = new Counter(
    'updraft_guardrail_halts_deferred_total',
    "Tripped rollouts whose halt was put off to the guardrail job's next pass, by reason (lost-race, failed)",
  );
  /** The anonymous download bounds (http/download-slots.ts), read at scrape time; set by buildApp. */
  downloads: DownloadSlots | null = null;
  private readonly started = Date.now();

  constructor(readonly frontDoor: FrontDoorCounts = { cache: 0, computed: 0, bytes: 0 }) {
    // Present at 0 from the start: Prometheus' increase() misses a series' first sample, so a
    // counter that first appears at 1 would hide the first deferred halt from an alert.
    for (const action of ['halted', 'alerted'] as const) this.guardrailTrips.inc({ action }, 0);
    for (const reason of ['lost-race', 'failed'] as const) this.guardrailHaltsDeferred.inc({ reason }, 0);
  }

  render(): string {
    const out: string[] = [];
    this.requests.render(out);
    this.latency.render(out);
    this.bytesServed.render(out);
    // The front door's checks never reach the request counters: they are added here.
    const checks = new Counter(this.checks.name, this.checks.help);
    for (const [key, value] of this.checks.values) checks.values.set(key, value);
    checks.inc({ answered: 'cache' }, this.frontDoor.cache);
    checks.inc({ answered: 'computed' }, this.frontDoor.computed);
    checks.render(out);
    out.push(
      '# HELP updraft_front_door_response_bytes_total Response bytes of checks answered by the front door',
      '# TYPE updraft_front_door_response_bytes_total counter',
      `updraft_front_door_response_bytes_total ${this.frontDoor.bytes}`,
    );
    this.publishes.render(out);
    this.jobRuns.render(out);
    this.dependencyErrors.render(out);
    this.serverErrors.render(out);
    this.eventsIngested.render(out);
    this.guardrailTrips.render(out);
    this.guardrailHaltsDeferred.render(out);
    if (this.downloads) renderDownloads(this.downloads, out);
    const mem = process.memoryUsage();
    out.push(
      '# HELP updraft_process_resident_memory_bytes Resident set size',
      '# TYPE updraft_process_resident_memory_bytes gauge',
      `updraft_process_resident_memory_bytes ${mem.rss}`,
      '# HELP updraft_process_uptime_seconds Seconds since the server started',
      '# TYPE updraft_process_uptime_seconds gauge',
      `updraft_process_uptime_seconds ${Math.round((Date.now() - this.started) / 1000)}`,
    );
    return out.join('\n') + '\n';
  }
}

function gauge(out: string[], name: string, help: string, value: number): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
}

/** The download slots and the per-source byte rate: what they hold now and what they refused or held back. */
function renderDownloads(slots: DownloadSlots, out: string[]): void {
  const now = slots.stats();
  gauge(out, 'updraft_download_slots_active', 'Anonymous file downloads streaming now (each holds a slot)', now.active);
  gauge(out, 'updraft_download_slots_waiting', 'Downloads waiting for a slot', now.waiting);
  gauge(out, 'updraft_download_slots_limit', 'Downloads that may stream at once over all sources', slots.limits.total);
  const refused = new Counter(
    'updraft_downloads_refused_total',
    'Downloads answered 429 (too many from one source) or 503 (too many in all) for lack of a slot',
  );
  for (const status of [429, 503] as const) refused.inc({ status: String(status) }, slots.refused[status]);
  refused.render(out);
  gauge(
    out,
    'updraft_download_rate_sources',
    "Network sources whose download byte rate is tracked (at most the server's rate-source bound)",
    slots.rate.stats().sources,
  );
  gauge(
    out,
    'updraft_download_rate_limit_bytes_per_second',
    'Bytes per second one network source may download over all its streams (0 = no bound)',
    Math.max(0, slots.limits.bytesPerSecondPerSource),
  );
  const held = slots.rate.held;
  out.push(
    "# HELP updraft_download_rate_delayed_bytes_total Bytes of downloads that waited for their source's rate",
    '# TYPE updraft_download_rate_delayed_bytes_total counter',
    `updraft_download_rate_delayed_bytes_total ${held.bytes}`,
    "# HELP updraft_download_rate_delay_seconds_total Seconds downloads waited for their source's rate, summed over streams",
    '# TYPE updraft_download_rate_delay_seconds_total counter',
    `updraft_download_rate_delay_seconds_total ${held.seconds}`,
  );
}
