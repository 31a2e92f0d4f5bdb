import { UpdraftError } from './errors.js';

/**
 * The `bsdiff-brotli` patch format (docs/protocol.md §3.5): a 40-byte uncompressed header,
 * then one brotli stream whose decompressed bytes are the bsdiff control, diff and extra
 * streams back to back. The header sits outside the brotli stream so a device can check
 * the sizes against the signed manifest and size its buffers before it decompresses.
 *
 * Pure: no I/O, no Node built-ins. Applying takes the decompressed payload; decompression
 * is the caller's (a port on the device, node:zlib at publish time).
 */

export const PATCH_FORMAT_BSDIFF_BROTLI = 'bsdiff-brotli';
/** ASCII "UPDBSBR1". */
export const PATCH_MAGIC = new Uint8Array([0x55, 0x50, 0x44, 0x42, 0x53, 0x42, 0x52, 0x31]);
export const PATCH_HEADER_LENGTH = 40;

export interface PatchHeader {
  controlLength: number;
  diffLength: number;
  extraLength: number;
  newSize: number;
}

/** One add-copy-seek step of bsdiff: `add` bytes old+diff, then `copy` bytes of extra, then move in old by `seek`. */
export interface PatchControl {
  add: number;
  copy: number;
  seek: number;
}

function corrupt(message: string): UpdraftError {
  return new UpdraftError('malformed', `patch: ${message}`);
}

function writeU64(out: Uint8Array, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`patch header value ${value} out of range`);
  let v = value;
  for (let i = 0; i < 8; i++) {
    out[offset + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

function readU64(bytes: Uint8Array, offset: number, what: string): number {
  let v = 0;
  for (let i = 7; i >= 0; i--) v = v * 256 + bytes[offset + i]!;
  if (!Number.isSafeInteger(v)) throw corrupt(`${what} is too large`);
  return v;
}

export function encodePatchHeader(header: PatchHeader): Uint8Array {
  if (header.diffLength + header.extraLength !== header.newSize) {
    throw new RangeError('patch header: newSize must equal diffLength + extraLength');
  }
  const out = new Uint8Array(PATCH_HEADER_LENGTH);
  out.set(PATCH_MAGIC, 0);
  writeU64(out, 8, header.controlLength);
  writeU64(out, 16, header.diffLength);
  writeU64(out, 24, header.extraLength);
  writeU64(out, 32, header.newSize);
  return out;
}

/**
 * Reads and checks the header. `expectedNewSize` is the signed length of the file the
 * patch must produce; `maxPayload` caps control+diff+extra (a device passes a multiple of
 * the signed size so a patch can never make it allocate much more than the file itself).
 */
export function decodePatchHeader(patch: Uint8Array, expectedNewSize: number, maxPayload: number): PatchHeader {
  if (patch.length < PATCH_HEADER_LENGTH) throw corrupt(`shorter than its ${PATCH_HEADER_LENGTH}-byte header`);
  for (let i = 0; i < PATCH_MAGIC.length; i++) {
    if (patch[i] !== PATCH_MAGIC[i]) throw corrupt('does not start with the bsdiff-brotli magic "UPDBSBR1"');
  }
  const header: PatchHeader = {
    controlLength: readU64(patch, 8, 'control length'),
    diffLength: readU64(patch, 16, 'diff length'),
    extraLength: readU64(patch, 24, 'extra length'),
    newSize: readU64(patch, 32, 'new size'),
  };
  if (header.newSize !== expectedNewSize) {
    throw corrupt(`builds ${header.newSize} bytes; the manifest signs ${expectedNewSize}`);
  }
  if (header.diffLength + header.extraLength !== header.newSize) {
    throw corrupt('diff and extra lengths do not add up to the new size');
  }
  if (header.controlLength + header.newSize > maxPayload) {
    throw corrupt(`declares ${header.controlLength + header.newSize} payload bytes, over the cap of ${maxPayload}`);
  }
  return header;
}

export function payloadLength(header: PatchHeader): number {
  return header.controlLength + header.diffLength + header.extraLength;
}

/** Unsigned LEB128. */
export function writeVarint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** Control triples as varints: add, copy, zigzag(seek). */
export function encodeControls(controls: PatchControl[]): Uint8Array {
  const out: number[] = [];
  for (const c of controls) {
    writeVarint(out, c.add);
    writeVarint(out, c.copy);
    writeVarint(out, c.seek >= 0 ? c.seek * 2 : -c.seek * 2 - 1);
  }
  return Uint8Array.from(out);
}

class ControlReader {
  private pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (this.pos >= this.end) throw corrupt('control stream ends inside a number');
      const b = this.bytes[this.pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) break;
      scale *= 0x80;
      if (scale > 2 ** 49) throw corrupt('control number is too large');
    }
    return value;
  }

  next(): PatchControl {
    const add = this.varint();
    const copy = this.varint();
    const z = this.varint();
    return { add, copy, seek: z % 2 === 0 ? z / 2 : -(z + 1) / 2 };
  }
}

export const PATCH_CHUNK_BYTES = 64 * 1024;

/**
 * bspatch: yields the new file in chunks of at most `chunkBytes`, so the caller can stream
 * them to storage instead of holding the whole output. `payload` is the decompressed
 * control ‖ diff ‖ extra. Throws `malformed` for any inconsistency; the output hash is the
 * caller's to check (a patch that is well-formed but wrong is caught there).
 */
export function* applyPatchChunks(
  old: Uint8Array,
  payload: Uint8Array,
  header: PatchHeader,
  chunkBytes = PATCH_CHUNK_BYTES,
): Generator<Uint8Array, void, void> {
  if (payload.length !== payloadLength(header)) {
    throw corrupt(`payload is ${payload.length} bytes; the header declares ${payloadLength(header)}`);
  }
  const control = new ControlReader(payload, 0, header.controlLength);
  let diffPos = header.controlLength;
  const diffEnd = diffPos + header.diffLength;
  let extraPos = diffEnd;
  const extraEnd = extraPos + header.extraLength;
  let oldPos = 0;
  let newPos = 0;
  let chunk = new Uint8Array(Math.min(chunkBytes, Math.max(header.newSize, 1)));
  let fill = 0;

  while (!control.done) {
    const { add, copy, seek } = control.next();
    if (newPos + add + copy > header.newSize) throw corrupt('control steps write past the new size');
    if (diffPos + add > diffEnd) throw corrupt('control steps read past the diff stream');
    if (extraPos + copy > extraEnd) throw corrupt('control steps read past the extra stream');
    for (let i = 0; i < add; i++) {
      const o = oldPos + i;
      // bspatch semantics: bytes outside the old file count as 0.
      chunk[fill++] = (payload[diffPos + i]! + (o >= 0 && o < old.length ? old[o]! : 0)) & 0xff;
      if (fill === chunk.length) {
        yield chunk;
        chunk = new Uint8Array(Math.min(chunkBytes, header.newSize - (newPos + i + 1)) || 1);
        fill = 0;
      }
    }
    diffPos += add;
    oldPos += add;
    newPos += add;
    let copied = 0;
    while (copied < copy) {
      const n = Math.min(copy - copied, chunk.length - fill);
      chunk.set(payload.subarray(extraPos + copied, extraPos + copied + n), fill);
      fill += n;
      copied += n;
      if (fill === chunk.length) {
        yield chunk;
        chunk = new Uint8Array(Math.min(chunkBytes, header.newSize - (newPos + copied)) || 1);
        fill = 0;
      }
    }
    extraPos += copy;
    newPos += copy;
    oldPos += seek;
    if (!Number.isSafeInteger(oldPos)) throw corrupt('control seeks out of range');
  }
  if (newPos !== header.newSize) throw corrupt(`produces ${newPos} bytes; the header declares ${header.newSize}`);
  if (diffPos !== diffEnd || extraPos !== extraEnd) throw corrupt('control steps leave diff or extra bytes unused');
  if (fill > 0) yield chunk.subarray(0, fill);
}

/** The whole new file in memory: for tests and publish-time verification. */
export function applyPatch(old: Uint8Array, payload: Uint8Array, header: PatchHeader): Uint8Array {
  const out = new Uint8Array(header.newSize);
  let at = 0;
  for (const chunk of applyPatchChunks(old, payload, header)) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * The most decompressed payload (control ‖ diff ‖ extra) a device accepts for a file of
 * `newSize` bytes; publishers drop patches over it. Diff + extra are exactly newSize, so this
 * leaves newSize + 64 KiB for the control stream.
 */
export function maxPatchPayload(newSize: number): number {
  return 2 * newSize + 65536;
}
