/**
 * Suffix array by induced sorting (SA-IS: Nong, Zhang and Chan, "Two Efficient Algorithms
 * for Linear Time Suffix Array Construction", 2011), linear time and about 6n bytes for a
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
  sais(text, sa, n, 256, 0x8000);
  return sa;
}

/**
 * The text at one level: bytes + 1 at the top, names of LMS substrings below. Each character
 * carries its suffix's type in the bit `flag` (set: S-type), so the induced sorts, which read
 * the text at random places, read one array rather than the text and a type array.
 */
type Text = Uint16Array | Int32Array;

/** S-type flag for the levels below the top: names stay below 2^30 (n < 1 GiB). */
const NAME_FLAG = 0x40000000;

function buckets(s: Text, bkt: Int32Array, n: number, k: number, mask: number, end: boolean): void {
  bkt.fill(0);
  for (let i = 0; i < n; i++) bkt[s[i]! & mask]!++;
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += bkt[i]!;
    bkt[i] = end ? sum : sum - bkt[i]!;
  }
}

function induceL(sa: Int32Array, s: Text, bkt: Int32Array, n: number, k: number, flag: number): void {
  buckets(s, bkt, n, k, flag - 1, false);
  for (let i = 0; i < n; i++) {
    const j = sa[i]! - 1;
    if (j < 0) continue;
    const c = s[j]!;
    if ((c & flag) === 0) sa[bkt[c]!++] = j; // L-type: c is the character itself
  }
}

function induceS(sa: Int32Array, s: Text, bkt: Int32Array, n: number, k: number, flag: number): void {
  const mask = flag - 1;
  buckets(s, bkt, n, k, mask, true);
  for (let i = n - 1; i >= 0; i--) {
    const j = sa[i]! - 1;
    if (j < 0) continue;
    const c = s[j]!;
    if ((c & flag) !== 0) sa[--bkt[c & mask]!] = j;
  }
}

/**
 * `s` has length n, characters 0..k (below `flag`), and ends with a unique 0. Writes the
 * suffix array into sa[0..n); sets the type flags in `s`.
 */
function sais(s: Text, sa: Int32Array, n: number, k: number, flag: number): void {
  if (n === 1) {
    sa[0] = 0;
    return;
  }
  const mask = flag - 1;
  // Types, right to left: S when smaller than the next character, or equal to it and it is S.
  s[n - 1] = s[n - 1]! | flag;
  for (let i = n - 2, nextChar = 0, nextS = true; i >= 0; i--) {
    const c = s[i]!;
    const isS: boolean = c < nextChar || (c === nextChar && nextS);
    if (isS) s[i] = c | flag;
    nextChar = c;
    nextS = isS;
  }
  // Position i (> 0) is LMS when it is S-type and i - 1 is L-type.

  // Stage 1: sort the LMS substrings.
  const bkt = new Int32Array(k + 1);
  buckets(s, bkt, n, k, mask, true);
  sa.fill(-1, 0, n);
  for (let i = 1; i < n; i++) {
    const c = s[i]!;
    if ((c & flag) !== 0 && (s[i - 1]! & flag) === 0) sa[--bkt[c & mask]!] = i;
  }
  induceL(sa, s, bkt, n, k, flag);
  induceS(sa, s, bkt, n, k, flag);

  let n1 = 0;
  for (let i = 0; i < n; i++) {
    const p = sa[i]!;
    if (p > 0 && (s[p]! & flag) !== 0 && (s[p - 1]! & flag) === 0) sa[n1++] = p;
  }
  // Each LMS substring's length (up to and including the next LMS position), stored at
  // n1 + (pos >> 1): LMS positions are at least 2 apart, so the slots do not collide. Two
  // substrings of equal length and equal characters have equal types, so naming compares
  // lengths and characters only.
  sa.fill(-1, n1, n);
  for (let i = n - 2, next = n - 1; i >= 1; i--) {
    if ((s[i]! & flag) !== 0 && (s[i - 1]! & flag) === 0) {
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
  if (name < n1) sais(s1, sa, n1, name - 1, NAME_FLAG);
  else for (let i = 0; i < n1; i++) sa[s1[i]!] = i;

  // Stage 3: induce the full suffix array from the sorted LMS suffixes.
  buckets(s, bkt, n, k, mask, true);
  for (let i = 1, j = 0; i < n; i++) if ((s[i]! & flag) !== 0 && (s[i - 1]! & flag) === 0) s1[j++] = i;
  for (let i = 0; i < n1; i++) sa[i] = s1[sa[i]!]!;
  sa.fill(-1, n1, n);
  for (let i = n1 - 1; i >= 0; i--) {
    const j = sa[i]!;
    sa[i] = -1;
    sa[--bkt[s[j]! & mask]!] = j;
  }
  induceL(sa, s, bkt, n, k, flag);
  induceS(sa, s, bkt, n, k, flag);
}
