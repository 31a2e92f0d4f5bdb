/**
 * Suffix array by induced sorting (SA-IS: Nong, Zhang and Chan, "Two Efficient Algorithms
 * for Linear Time Suffix Array Construction", 2011), linear time and about 7n bytes for a
 * byte string of length n.
 *
 * `suffixArray(bytes)` returns n + 1 entries in the layout bsdiff's qsufsort produces: entry
 * 0 is n (the empty suffix), then the start of every suffix in sorted order.
 */
export function suffixArray(bytes: Uint8Array): Int32Array {
  const n = bytes.length + 1;
  // Shift by one so 0 is a unique, smallest sentinel at the end, as SA-IS needs. 16 bits, not
  // 32: the top level's random reads of the text then touch half the memory.
  const text = new Uint16Array(n);
  for (let i = 0; i < bytes.length; i++) text[i] = bytes[i]! + 1;
  text[n - 1] = 0;
  const sa = new Int32Array(n);
  sais(text, sa, n, 256);
  return sa;
}

/** The text at one level: bytes + 1 at the top, names of LMS substrings below. */
type Text = Uint16Array | Int32Array;

function buckets(s: Text, bkt: Int32Array, n: number, k: number, end: boolean): void {
  bkt.fill(0);
  for (let i = 0; i < n; i++) bkt[s[i]!]!++;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += bkt[i]!;
    bkt[i] = end ? sum : sum - bkt[i]!;
  }
}

function induceL(t: Uint8Array, sa: Int32Array, s: Text, bkt: Int32Array, n: number, k: number): void {
  buckets(s, bkt, n, k, false);
  for (let i = 0; i < n; i++) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 0) sa[bkt[s[j]!]!++] = j;
  }
}

function induceS(t: Uint8Array, sa: Int32Array, s: Text, bkt: Int32Array, n: number, k: number): void {
  buckets(s, bkt, n, k, true);
  for (let i = n - 1; i >= 0; i--) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 1) sa[--bkt[s[j]!]!] = j;
  }
}

/** `s` has length n, values 0..k, and ends with a unique 0. Writes the suffix array into sa[0..n). */
function sais(s: Text, sa: Int32Array, n: number, k: number): void {
  if (n === 1) {
    sa[0] = 0;
    return;
  }
  // t[i] = 1 for S-type, 0 for L-type. Position i is LMS when t[i] === 1 and t[i - 1] === 0.
  const t = new Uint8Array(n);
  t[n - 1] = 1;
  t[n - 2] = 0;
  for (let i = n - 3; i >= 0; i--) {
    t[i] = s[i]! < s[i + 1]! || (s[i] === s[i + 1] && t[i + 1] === 1) ? 1 : 0;
  }

  // Stage 1: sort the LMS substrings.
  const bkt = new Int32Array(k + 1);
  buckets(s, bkt, n, k, true);
  sa.fill(-1, 0, n);
  for (let i = 1; i < n; i++) if (t[i] === 1 && t[i - 1] === 0) sa[--bkt[s[i]!]!] = i;
  induceL(t, sa, s, bkt, n, k);
  induceS(t, sa, s, bkt, n, k);

  let n1 = 0;
  for (let i = 0; i < n; i++) {
    const p = sa[i]!;
    if (p > 0 && t[p] === 1 && t[p - 1] === 0) sa[n1++] = p;
  }
  // Each LMS substring's length (up to and including the next LMS position), stored at
  // n1 + (pos >> 1): LMS positions are at least 2 apart, so the slots do not collide. Two
  // substrings of equal length and equal characters have equal types, so naming compares
  // lengths and characters only.
  sa.fill(-1, n1, n);
  for (let i = n - 2, next = n - 1; i >= 1; i--) {
    if (t[i] === 1 && t[i - 1] === 0) {
      sa[n1 + (i >> 1)] = next - i + 1;
      next = i;
    }
  }
  sa[n1 + ((n - 1) >> 1)] = 1; // the sentinel is an LMS substring of its own
  let name = 0;
  let prev = -1;
  let prevLength = 0;
  for (let i = 0; i < n1; i++) {
    const pos = sa[i]!;
    const length = sa[n1 + (pos >> 1)]!;
    let diff = prev === -1 || length !== prevLength;
    for (let d = 0; !diff && d < length; d++) {
      if (s[pos + d] !== s[prev + d]) diff = true;
    }
    if (diff) {
      name++;
      prev = pos;
      prevLength = length;
    }
    sa[n1 + (pos >> 1)] = name - 1;
  }
  for (let i = n - 1, j = n - 1; i >= n1; i--) if (sa[i]! >= 0) sa[j--] = sa[i]!;

  // Stage 2: solve the reduced problem (recursively if names are not yet unique).
  const s1 = sa.subarray(n - n1);
  if (name < n1) sais(s1, sa, n1, name - 1);
  else for (let i = 0; i < n1; i++) sa[s1[i]!] = i;

  // Stage 3: induce the full suffix array from the sorted LMS suffixes.
  buckets(s, bkt, n, k, true);
  for (let i = 1, j = 0; i < n; i++) if (t[i] === 1 && t[i - 1] === 0) s1[j++] = i;
  for (let i = 0; i < n1; i++) sa[i] = s1[sa[i]!]!;
  sa.fill(-1, n1, n);
  for (let i = n1 - 1; i >= 0; i--) {
    const j = sa[i]!;
    sa[i] = -1;
    sa[--bkt[s[j]!]!] = j;
  }
  induceL(t, sa, s, bkt, n, k);
  induceS(t, sa, s, bkt, n, k);
}
