import type { PatchControl } from '@updraft/protocol/delta';
import { suffixArray } from './suffix-array.js';

/** The three bsdiff streams before encoding. */
export interface BsdiffStreams {
  controls: PatchControl[];
  diff: Uint8Array;
  extra: Uint8Array;
}

/**
 * Where each two-byte prefix's suffixes start in the suffix array: entry `(a << 8) | b` is the
 * first index whose suffix starts with a, b (or sorts after them), entry 65536 is n + 1. The
 * binary search then starts in a range of about n / 65536 suffixes instead of all n.
 */
export function prefixIndex(old: Uint8Array): Int32Array {
  const counts = new Int32Array(65537);
  const n = old.length;
  for (let i = 0; i + 1 < n; i++) counts[((old[i]! << 8) | old[i + 1]!) + 1]!++;
  // A one-byte suffix (the last byte) sorts first among its byte's suffixes.
  if (n > 0) counts[(old[n - 1]! << 8) + 1]!++;
  counts[0] = 1; // sa[0]: the empty suffix
  for (let k = 1; k <= 65536; k++) counts[k]! += counts[k - 1]!;
  return counts;
}

/** Where the last `search` found its match in old. */
export let foundPos = 0;

/**
 * The length of the longest match of next[newStart..] among old's suffixes (its position in
 * `foundPos`): binary search on the suffix array. Each probe skips the bytes both ends of the
 * range already share with next (the suffixes in between share them too), so repetitive
 * input does not compare the same long prefix over and over.
 */
export function search(sa: Int32Array, index: Int32Array, old: Uint8Array, next: Uint8Array, newStart: number): number {
  const oldSize = old.length;
  const newSize = next.length;
  let st: number;
  let en: number;
  if (newStart + 1 < newSize) {
    const key = (next[newStart]! << 8) | next[newStart + 1]!;
    st = index[key]!;
    en = index[key + 1]! - 1;
    if (st > en) {
      // No suffix of old starts with these two bytes: the best is a one-byte match or none.
      st = Math.max(st - 1, 0);
      en = Math.min(st + 1, oldSize);
    }
  } else {
    st = 0;
    en = oldSize;
  }
  let lo = lcp(old, sa[st]!, next, newStart, 0);
  let hi = st === en ? lo : lcp(old, sa[en]!, next, newStart, 0);
  while (en - st >= 2) {
    const x = st + ((en - st) >> 1);
    const p = sa[x]!;
    const l = lcp(old, p, next, newStart, lo < hi ? lo : hi);
    // old[p..] sorts before next[newStart..]: it differs with a smaller byte or is a proper prefix.
    if (newStart + l < newSize && (p + l === oldSize || old[p + l]! < next[newStart + l]!)) {
      st = x;
      lo = l;
    } else {
      en = x;
      hi = l;
    }
  }
  if (lo > hi) {
    foundPos = sa[st]!;
    return lo;
  }
  foundPos = sa[en]!;
  return hi;
}

/** Common prefix length of old[oldStart..] and next[newStart..], known to be at least `from`. */
function lcp(old: Uint8Array, oldStart: number, next: Uint8Array, newStart: number, from: number): number {
  const max = Math.min(old.length - oldStart, next.length - newStart);
  let i = from;
  while (i < max && old[oldStart + i] === next[newStart + i]) i++;
  return i;
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
export function bsdiff(old: Uint8Array, next: Uint8Array, slack = 8, sa = suffixArray(old)): BsdiffStreams {
  const index = prefixIndex(old);
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
      len = search(sa, index, old, next, scan);
      pos = foundPos;
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
