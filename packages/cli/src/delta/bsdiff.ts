import type { PatchControl } from '@updraft/protocol';
import { suffixArray } from './suffix-array.js';

/** The three bsdiff streams before encoding. */
export interface BsdiffStreams {
  controls: PatchControl[];
  diff: Uint8Array;
  extra: Uint8Array;
}

function matchLength(old: Uint8Array, oldStart: number, next: Uint8Array, newStart: number): number {
  const max = Math.min(old.length - oldStart, next.length - newStart);
  let i = 0;
  while (i < max && old[oldStart + i] === next[newStart + i]) i++;
  return i;
}

/** Negative when old[oldStart..] sorts before next[newStart..] over their common length. */
function compare(old: Uint8Array, oldStart: number, next: Uint8Array, newStart: number): number {
  const max = Math.min(old.length - oldStart, next.length - newStart);
  for (let i = 0; i < max; i++) {
    const d = old[oldStart + i]! - next[newStart + i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** The longest match of next[newStart..] among old's suffixes: binary search on the suffix array. */
function search(
  sa: Int32Array,
  old: Uint8Array,
  next: Uint8Array,
  newStart: number,
  from: number,
  to: number,
): { length: number; pos: number } {
  let st = from;
  let en = to;
  while (en - st >= 2) {
    const x = st + ((en - st) >> 1);
    if (compare(old, sa[x]!, next, newStart) < 0) st = x;
    else en = x;
  }
  const a = matchLength(old, sa[st]!, next, newStart);
  const b = matchLength(old, sa[en]!, next, newStart);
  return a > b ? { length: a, pos: sa[st]! } : { length: b, pos: sa[en]! };
}

class ByteSink {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(capacity, 16));
  }

  reserve(n: number): Uint8Array {
    if (this.length + n > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      grown.set(this.buf.subarray(0, this.length));
      this.buf = grown;
    }
    return this.buf;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/**
 * Colin Percival's bsdiff 4 matching (approximate matches extended forwards and backwards,
 * scored by equal bytes) over an SA-IS suffix array of the old file. Produces the control,
 * diff and extra streams; `encodePatch` packs them.
 */
export function bsdiff(old: Uint8Array, next: Uint8Array, slack = 8): BsdiffStreams {
  const sa = suffixArray(old);
  const oldSize = old.length;
  const newSize = next.length;
  const controls: PatchControl[] = [];
  const diff = new ByteSink(newSize);
  const extra = new ByteSink(1024);

  let scan = 0;
  let len = 0;
  let pos = 0;
  let lastScan = 0;
  let lastPos = 0;
  let lastOffset = 0;
  while (scan < newSize) {
    let oldScore = 0;
    scan += len;
    let scsc = scan;
    for (; scan < newSize; scan++) {
      const found = search(sa, old, next, scan, 0, oldSize);
      len = found.length;
      pos = found.pos;
      for (; scsc < scan + len; scsc++) {
        if (scsc + lastOffset < oldSize && old[scsc + lastOffset] === next[scsc]) oldScore++;
      }
      if ((len === oldScore && len !== 0) || len > oldScore + slack) break;
      if (scan + lastOffset < oldSize && old[scan + lastOffset] === next[scan]) oldScore--;
    }

    if (len !== oldScore || scan === newSize) {
      // Extend the previous match forwards ...
      let s = 0;
      let sf = 0;
      let lenF = 0;
      for (let i = 0; lastScan + i < scan && lastPos + i < oldSize;) {
        if (old[lastPos + i] === next[lastScan + i]) s++;
        i++;
        if (s * 2 - i > sf * 2 - lenF) {
          sf = s;
          lenF = i;
        }
      }
      // ... and the new one backwards ...
      let lenB = 0;
      if (scan < newSize) {
        let sb = 0;
        s = 0;
        for (let i = 1; scan >= lastScan + i && pos >= i; i++) {
          if (old[pos - i] === next[scan - i]) s++;
          if (s * 2 - i > sb * 2 - lenB) {
            sb = s;
            lenB = i;
          }
        }
      }
      // ... and split any overlap where it scores best.
      if (lastScan + lenF > scan - lenB) {
        const overlap = lastScan + lenF - (scan - lenB);
        s = 0;
        let ss = 0;
        let lenS = 0;
        for (let i = 0; i < overlap; i++) {
          if (next[lastScan + lenF - overlap + i] === old[lastPos + lenF - overlap + i]) s++;
          if (next[scan - lenB + i] === old[pos - lenB + i]) s--;
          if (s > ss) {
            ss = s;
            lenS = i + 1;
          }
        }
        lenF += lenS - overlap;
        lenB -= lenS;
      }

      const d = diff.reserve(lenF);
      for (let i = 0; i < lenF; i++) d[diff.length + i] = (next[lastScan + i]! - old[lastPos + i]!) & 0xff;
      diff.length += lenF;
      const extraLen = scan - lenB - (lastScan + lenF);
      const e = extra.reserve(extraLen);
      e.set(next.subarray(lastScan + lenF, lastScan + lenF + extraLen), extra.length);
      extra.length += extraLen;
      controls.push({ add: lenF, copy: extraLen, seek: pos - lenB - (lastPos + lenF) });

      lastScan = scan - lenB;
      lastPos = pos - lenB;
      lastOffset = pos - scan;
    }
  }
  return { controls, diff: diff.bytes(), extra: extra.bytes() };
}
