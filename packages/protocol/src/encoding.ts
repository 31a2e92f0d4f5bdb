// Hex and UTF-8 by hand where the platform has no codecs: Hermes has had TextEncoder only in
// recent versions, and this package must run there without polyfills.

const HEX_CHARS = '0123456789abcdef';

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += HEX_CHARS[b >> 4]! + HEX_CHARS[b & 15]!;
  }
  return out;
}

export function isHex(value: string): boolean {
  return value.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(value);
}

export function hexToBytes(hex: string): Uint8Array {
  if (!isHex(hex)) throw new Error('invalid hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

// The platform's codecs when it has them (Node, browsers, recent Hermes): several times faster
// on metadata-sized input. The hand-written ones below are the fallback and the reference.
interface TextCodecs {
  encode(text: string): Uint8Array;
  decode(bytes: Uint8Array): string;
}

function platformCodecs(): TextCodecs | null {
  const g = globalThis as {
    TextEncoder?: new () => { encode(text: string): Uint8Array };
    TextDecoder?: new (
      label: string,
      options: { fatal: boolean; ignoreBOM: boolean },
    ) => {
      decode(bytes: Uint8Array): string;
    };
  };
  if (!g.TextEncoder || !g.TextDecoder) return null;
  try {
    const encoder = new g.TextEncoder();
    // fatal: invalid UTF-8 throws, exactly like the strict hand-written decoder; ignoreBOM:
    // a leading BOM is kept as U+FEFF rather than silently dropped.
    const decoder = new g.TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    return { encode: (t) => encoder.encode(t), decode: (b) => decoder.decode(b) };
  } catch {
    return null;
  }
}

const codecs = platformCodecs();

export function utf8Encode(text: string): Uint8Array {
  return codecs ? codecs.encode(text) : utf8EncodePortable(text);
}

export function utf8Decode(bytes: Uint8Array): string {
  return codecs ? codecs.decode(bytes) : utf8DecodePortable(bytes);
}

/** Hand-written UTF-8 encoding (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8EncodePortable(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd; // lone surrogate, as TextEncoder does
    if (code < 0x80) out.push(code);
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 63));
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
    else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
  }
  return Uint8Array.from(out);
}

/** Strict hand-written UTF-8 decoding: invalid sequences throw instead of becoming U+FFFD. */
export function utf8DecodePortable(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i]!;
    let code: number;
    let extra: number;
    if (b0 < 0x80) {
      code = b0;
      extra = 0;
    } else if (b0 >= 0xc2 && b0 < 0xe0) {
      code = b0 & 31;
      extra = 1;
    } else if (b0 >= 0xe0 && b0 < 0xf0) {
      code = b0 & 15;
      extra = 2;
    } else if (b0 >= 0xf0 && b0 < 0xf5) {
      code = b0 & 7;
      extra = 3;
    } else throw new Error('invalid UTF-8');
    for (let k = 1; k <= extra; k++) {
      const b = bytes[i + k];
      if (b === undefined || (b & 0xc0) !== 0x80) throw new Error('invalid UTF-8');
      code = (code << 6) | (b & 63);
    }
    if ((extra === 2 && code < 0x800) || (extra === 3 && (code < 0x10000 || code > 0x10ffff))) {
      throw new Error('invalid UTF-8');
    }
    if (code >= 0xd800 && code <= 0xdfff) throw new Error('invalid UTF-8');
    if (code >= 0x10000) {
      code -= 0x10000;
      out += String.fromCharCode(0xd800 + (code >> 10), 0xdc00 + (code & 1023));
    } else out += String.fromCharCode(code);
    i += extra + 1;
  }
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
