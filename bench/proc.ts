/** What Linux's /proc says about a process (a benchmark's server), in MB and CPU seconds. */
import { readFileSync } from 'node:fs';

/** Resident memory from /proc/<pid>/status: all, anonymous and file-backed (MB). */
export function rss(pid: number): { rssMb: number; rssAnonMb: number; rssFileMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  };
  return { rssMb: kb('VmRSS'), rssAnonMb: kb('RssAnon'), rssFileMb: kb('RssFile') };
}

/** getconf CLK_TCK: 100 on every Linux this runs on (the kernel's USER_HZ). */
const CLOCK_TICKS = 100;

/** CPU seconds the process has used (user + system), from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  // Fields after the command name (which may hold spaces, so split after its ')'): utime is 14th, stime 15th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
