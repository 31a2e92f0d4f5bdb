import { sha256 } from '@noble/hashes/sha2.js';
import { bytesEqual, concatBytes } from '../encoding.js';

/**
 * The Merkle tree of RFC 6962 §2.1 / RFC 9162 §2.1: leaf hash = SHA-256(0x00 ‖ data), node
 * hash = SHA-256(0x01 ‖ left ‖ right), the empty tree's hash = SHA-256(""). Proof
 * generation (for the server) and verification (for devices and monitors) are pure
 * functions over leaf hashes.
 */

export const HASH_SIZE = 32;
const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

export function hashLeaf(data: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF_PREFIX, data));
}

export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(NODE_PREFIX, left, right));
}

export function emptyRoot(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf hashes. */
export function rootFromLeafHashes(leaves: readonly Uint8Array[], start = 0, end = leaves.length): Uint8Array {
  const n = end - start;
  if (n === 0) return emptyRoot();
  if (n === 1) return leaves[start]!;
  const k = splitPoint(n);
  return hashChildren(rootFromLeafHashes(leaves, start, start + k), rootFromLeafHashes(leaves, start + k, end));
}

/** PATH(m, D[n]) of RFC 6962 §2.1.1 for the first `size` leaves. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number, size = leaves.length): Uint8Array[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size || size > leaves.length) {
    throw new RangeError(`no leaf ${index} in a tree of size ${size}`);
  }
  const path = (m: number, start: number, end: number): Uint8Array[] => {
    const n = end - start;
    if (n === 1) return [];
    const k = splitPoint(n);
    if (m < k) return [...path(m, start, start + k), rootFromLeafHashes(leaves, start + k, end)];
    return [...path(m - k, start + k, end), rootFromLeafHashes(leaves, start, start + k)];
  };
  return path(index, 0, size);
}

/** PROOF(m, D[n]) of RFC 6962 §2.1.2: tree `from` is a prefix of tree `to`. */
export function consistencyProof(leaves: readonly Uint8Array[], from: number, to = leaves.length): Uint8Array[] {
  if (!Number.isSafeInteger(from) || from < 0 || from > to || to > leaves.length) {
    throw new RangeError(`no consistency proof from size ${from} to size ${to}`);
  }
  if (from === 0 || from === to) return [];
  const sub = (m: number, start: number, end: number, complete: boolean): Uint8Array[] => {
    const n = end - start;
    if (m === n) return complete ? [] : [rootFromLeafHashes(leaves, start, end)];
    const k = splitPoint(n);
    if (m <= k) return [...sub(m, start, start + k, complete), rootFromLeafHashes(leaves, start + k, end)];
    return [...sub(m - k, start + k, end, false), rootFromLeafHashes(leaves, start, start + k)];
  };
  return sub(from, 0, to, true);
}

function isHash(h: Uint8Array): boolean {
  return h.length === HASH_SIZE;
}

/** RFC 9162 §2.1.3.2: the root hash the proof leads to, or null when it cannot lead anywhere. */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  if (!isHash(leafHash) || !proof.every(isHash)) return null;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  return computed !== null && isHash(root) && bytesEqual(computed, root);
}

/** RFC 9162 §2.1.4.2: whether the tree of size `size2` and root `root2` extends the tree (`size1`, `root1`). */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(size1) || !Number.isSafeInteger(size2) || size1 < 0 || size2 < size1) return false;
  if (!proof.every(isHash)) return false;
  if (size1 === size2) return proof.length === 0 && bytesEqual(root1, root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0 || !isHash(root1) || !isHash(root2)) return false;
  // When the old tree is a complete subtree, its root is the proof's implicit first node.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(fr, root1) && bytesEqual(sr, root2);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
