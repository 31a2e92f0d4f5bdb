/**
 * A process's resident memory by what holds it, read from /proc/<pid>/smaps (Linux), for the
 * soak: which part grows tells the allocator's high-water mark from V8's heap from code.
 * - mallocMain: glibc's main arena ([heap], the brk area);
 * - mallocArenas: glibc's other arenas (anonymous heaps at 64 MiB-aligned addresses);
 * - v8Pages: V8's heap pages (anonymous 256 KiB mappings at the random addresses V8 picks);
 * - v8Code: anonymous executable mappings: V8's code range, one rwx mapping on Node 22 and 24,
 *   whose resident part can only reach V8's committed code space;
 * - anonOther: other anonymous memory: V8's large objects, blocks malloc mapped on their own,
 *   thread stacks;
 * - file: the node binary, libraries and mapped files.
 */
import { readFileSync } from 'node:fs';
import { round } from './stats.js';

export interface MemoryMap {
  mallocMainMb: number;
  mallocArenasMb: number;
  v8PagesMb: number;
  v8CodeMb: number;
  anonOtherMb: number;
  fileMb: number;
}

const ARENA_ALIGN = 64n * 1024n * 1024n;
const HEADER = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/;

export function memoryMap(pid: number): MemoryMap | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  } catch {
    return null; // not Linux, or the process is gone
  }
  const kb = { mallocMainMb: 0, mallocArenasMb: 0, v8PagesMb: 0, v8CodeMb: 0, anonOtherMb: 0, fileMb: 0 };
  let part: keyof MemoryMap = 'anonOtherMb';
  for (const line of text.split('\n')) {
    const m = HEADER.exec(line);
    if (m) {
      const start = BigInt(`0x${m[1]}`);
      const sizeKb = Number((BigInt(`0x${m[2]}`) - start) / 1024n);
      const name = m[4]!;
      part =
        name === '[heap]'
          ? 'mallocMainMb'
          : name.startsWith('/')
            ? 'fileMb'
            : name !== ''
              ? 'anonOtherMb' // [stack], [vdso], [anon:…]
              : m[3]!.includes('x')
                ? 'v8CodeMb'
                : start % ARENA_ALIGN === 0n && sizeKb <= 65_536
                  ? 'mallocArenasMb'
                  : sizeKb === 256
                    ? 'v8PagesMb'
                    : 'anonOtherMb';
    } else if (line.startsWith('Rss:')) {
      kb[part] += Number(line.split(/\s+/)[1]);
    }
  }
  const mb = (x: number) => round(x / 1024, 1);
  return {
    mallocMainMb: mb(kb.mallocMainMb),
    mallocArenasMb: mb(kb.mallocArenasMb),
    v8PagesMb: mb(kb.v8PagesMb),
    v8CodeMb: mb(kb.v8CodeMb),
    anonOtherMb: mb(kb.anonOtherMb),
    fileMb: mb(kb.fileMb),
  };
}
