/**
 * Suffix array by induced sorting (SA-IS: Nong, Zhang and Chan, "Two Efficient Algorithms
 * for Linear Time Suffix Array Construction", 2011), linear time and about 9n bytes for a
 * byte string of length n.
 *
 * `suffixArray(bytes)` returns n + 1 entries in the layout bsdiff's qsufsort produces: entry
 * 0 is n (the empty suffix), then the start of every suffix in sorted order.
 */
export function suffixArray(bytes: Uint8Array): Int32Array {
  const n = bytes.length + 1;
  // Shift by one so 0 is a unique, smallest sentinel at the end, as SA-IS needs.
  const text = new Int32Array(n);
  for (let i = 0; i < bytes.length; i++) text[i] = bytes[i]! + 1;
  text[n - 1] = 0;
  const sa = new Int32Array(n);
  sais(text, sa, n, 256);
  return sa;
}

function buckets(s: Int32Array, bkt: Int32Array, n: number, k: number, end: boolean): void {
  bkt.fill(0);
  for (let i = 0; i < n; i++) bkt[s[i]!]!++;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += bkt[i]!;
    bkt[i] = end ? sum : sum - bkt[i]!;
  }
}

function induceL(t: Uint8Array, sa: Int32Array, s: Int32Array, bkt: Int32Array, n: number, k: number): void {
  buckets(s, bkt, n, k, false);
  for (let i = 0; i < n; i++) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 0) sa[bkt[s[j]!]!++] = j;
  }
}

function induceS(t: Uint8Array, sa: Int32Array, s: Int32Array, bkt: Int32Array, n: number, k: number): void {
  buckets(s, bkt, n, k, true);
  for (let i = n - 1; i >= 0; i--) {
    const j = sa[i]! - 1;
    if (j >= 0 && t[j] === 1) sa[--bkt[s[j]!]!] = j;
  }
}

/** `s` has length n, values 0..k, and ends with a unique 0. Writes the suffix array into sa[0..n). */
function sais(s: Int32Array, sa: Int32Array, n: number, k: number): void {
  if (n === 1) {
    sa[0] = 0;
    return;
  }
  // t[i] = 1 for S-type, 0 for L-type.
  const t = new Uint8Array(n);
  t[n - 1] = 1;
  t[n - 2] = 0;
  for (let i = n - 3; i >= 0; i--) {
    t[i] = s[i]! < s[i + 1]! || (s[i] === s[i + 1] && t[i + 1] === 1) ? 1 : 0;
  }
  const isLms = (i: number): boolean => i > 0 && t[i] === 1 && t[i - 1] === 0;

  // Stage 1: sort the LMS substrings.
  const bkt = new Int32Array(k + 1);
  buckets(s, bkt, n, k, true);
  sa.fill(-1, 0, n);
  for (let i = 1; i < n; i++) if (isLms(i)) sa[--bkt[s[i]!]!] = i;
  induceL(t, sa, s, bkt, n, k);
  induceS(t, sa, s, bkt, n, k);

  let n1 = 0;
  for (let i = 0; i < n; i++) if (isLms(sa[i]!)) sa[n1++] = sa[i]!;
  sa.fill(-1, n1, n);
  let name = 0;
  let prev = -1;
  for (let i = 0; i < n1; i++) {
    const pos = sa[i]!;
    let diff = false;
    for (let d = 0; d < n; d++) {
      if (prev === -1 || s[pos + d] !== s[prev + d] || t[pos + d] !== t[prev + d]) {
        diff = true;
        break;
      } else if (d > 0 && (isLms(pos + d) || isLms(prev + d))) {
        break;
      }
    }
    if (diff) {
      name++;
      prev = pos;
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
  for (let i = 1, j = 0; i < n; i++) if (isLms(i)) s1[j++] = i;
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
