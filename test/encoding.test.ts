import { mulberry32 as rng } from '../src/tools/generate/prng.js';
import { describe, expect, it } from 'vitest';
import {
  base64DecodedMaxLength,
  base64EncodedLength,
  base64EncodeInto,
  decodeBase64Strict,
  decodeBase64StrictInto,
  decodeHexStrict,
  decodeHexStrictInto,
  hexEncodeInto,
  isHex64,
  writeLowerAsciiInto,
} from '../src/transforms/encoding.js';


function randomBytes(r: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** Puts `text` at a random offset inside junk so start/end are exercised. */
function embed(text: Buffer, r: () => number): { src: Buffer; start: number; end: number } {
  const pre = Math.floor(r() * 5);
  const post = Math.floor(r() * 5);
  const src = Buffer.concat([Buffer.alloc(pre, 0x41), text, Buffer.alloc(post, 0x3d)]);
  return { src, start: pre, end: pre + text.length };
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Oracle: valid base64 per the regex AND canonical (re-encoding gives the same text). */
function b64Oracle(s: string): Buffer | null {
  if (!B64_RE.test(s)) return null;
  const b = Buffer.from(s, 'base64');
  return b.toString('base64') === s ? b : null;
}

/** Random text from a nasty alphabet, mostly mutations of valid encodings. */
function mutate(r: () => number, valid: string, extra: string): string {
  const chars = valid.split('');
  const muts = Math.floor(r() * 3);
  for (let m = 0; m < muts; m++) {
    const op = Math.floor(r() * 3);
    const at = Math.floor(r() * (chars.length + 1));
    const ch = extra[Math.floor(r() * extra.length)];
    if (op === 0 && chars.length > 0) chars[Math.min(at, chars.length - 1)] = ch;
    else if (op === 1) chars.splice(at, 0, ch);
    else if (chars.length > 0) chars.splice(Math.min(at, chars.length - 1), 1);
  }
  return chars.join('');
}

const NASTY = 'AZaz09+/=-_ \t\r\n.,:;!gGxXfF\u00e9\u00ff\u0000';

describe('hexEncodeInto', () => {
  it('equals Buffer#toString("hex") for every byte and random ranges', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const dst = Buffer.alloc(600, 0x2e);
    const end = hexEncodeInto(all, 0, 256, dst, 7);
    expect(end).toBe(7 + 512);
    expect(dst.subarray(7, end).toString('latin1')).toBe(all.toString('hex'));
    expect(dst[6]).toBe(0x2e);
    expect(dst[end]).toBe(0x2e);

    const r = rng(1);
    for (let k = 0; k < 500; k++) {
      const n = Math.floor(r() * 80);
      const { src, start, end: e } = embed(randomBytes(r, n), r);
      const out = Buffer.alloc(2 * n + 3);
      expect(hexEncodeInto(src, start, e, out, 3)).toBe(3 + 2 * n);
      expect(out.subarray(3).toString('latin1')).toBe(src.subarray(start, e).toString('hex'));
    }
  });

  it('throws instead of writing past the destination', () => {
    const dst = Buffer.alloc(5);
    expect(() => hexEncodeInto(Buffer.alloc(3), 0, 3, dst, 0)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
    expect(dst.equals(Buffer.alloc(5))).toBe(true);
    expect(() => hexEncodeInto(Buffer.alloc(3), 2, 4, Buffer.alloc(10), 0)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });
});

describe('base64EncodeInto', () => {
  it('equals Buffer#toString("base64") for lengths 0..100 and random ranges', () => {
    const r = rng(2);
    for (let k = 0; k < 1000; k++) {
      const n = k < 101 ? k : Math.floor(r() * 300);
      const { src, start, end } = embed(randomBytes(r, n), r);
      const out = Buffer.alloc(base64EncodedLength(n) + 2, 0x2e);
      expect(base64EncodeInto(src, start, end, out, 1)).toBe(1 + base64EncodedLength(n));
      expect(out.subarray(1, -1).toString('latin1')).toBe(src.subarray(start, end).toString('base64'));
      expect(out[out.length - 1]).toBe(0x2e);
    }
  });

  it('throws instead of writing past the destination', () => {
    expect(() => base64EncodeInto(Buffer.alloc(4), 0, 4, Buffer.alloc(7), 0)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });
});

describe('decodeHexStrict', () => {
  it('decodes both cases', () => {
    const s = Buffer.from('00ff10aBcDeF');
    expect(decodeHexStrict(s, 0, s.length)?.toString('hex')).toBe('00ff10abcdef');
    expect(decodeHexStrict(s, 2, 6)?.toString('hex')).toBe('ff10');
    expect(decodeHexStrict(s, 3, 3)?.length).toBe(0);
  });

  it('rejects odd length, whitespace and non-hex characters', () => {
    for (const bad of ['0', 'abc', '0g', 'gg', ' 00', '00 ', '0 0', '00\n', '0x00', '+0', '-0', 'éé', '\u00000', 'zz']) {
      const b = Buffer.from(bad, 'latin1');
      expect(decodeHexStrict(b, 0, b.length), JSON.stringify(bad)).toBeNull();
    }
  });

  it('fuzz: agrees with a regex oracle plus Buffer round trip', () => {
    const r = rng(3);
    let accepted = 0;
    for (let k = 0; k < 20000; k++) {
      const valid = randomBytes(r, Math.floor(r() * 12)).toString('hex');
      const cased = valid.replace(/[a-f]/g, (c) => (r() < 0.5 ? c.toUpperCase() : c));
      const s = mutate(r, cased, NASTY);
      const text = Buffer.from(s, 'latin1');
      const { src, start, end } = embed(text, r);
      const got = decodeHexStrict(src, start, end);
      if (HEX_RE.test(s)) {
        accepted++;
        expect(got, s).not.toBeNull();
        expect(got!.equals(Buffer.from(s, 'hex'))).toBe(true);
        expect(got!.toString('hex')).toBe(s.toLowerCase());
      } else {
        expect(got, JSON.stringify(s)).toBeNull();
      }
    }
    expect(accepted).toBeGreaterThan(2000);
  });

  it('Into variant returns -1 on bad input and throws on a small destination', () => {
    const s = Buffer.from('zz00');
    expect(decodeHexStrictInto(s, 0, 4, Buffer.alloc(2), 0)).toBe(-1);
    const ok = Buffer.from('0a0b');
    const dst = Buffer.alloc(4);
    expect(decodeHexStrictInto(ok, 0, 4, dst, 1)).toBe(3);
    expect(dst.toString('hex')).toBe('000a0b00');
    expect(() => decodeHexStrictInto(ok, 0, 4, Buffer.alloc(1), 0)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL' }));
  });
});

describe('decodeBase64Strict', () => {
  const dec = (s: string): Buffer | null => {
    const b = Buffer.from(s, 'latin1');
    return decodeBase64Strict(b, 0, b.length);
  };

  it('accepts canonical padded base64', () => {
    expect(dec('')?.length).toBe(0);
    expect(dec('Zg==')?.toString()).toBe('f');
    expect(dec('Zm8=')?.toString()).toBe('fo');
    expect(dec('Zm9v')?.toString()).toBe('foo');
    expect(dec('Zm9vYmFy')?.toString()).toBe('foobar');
    expect(dec('+/+/')?.toString('hex')).toBe('fbffbf');
  });

  it('rejects whitespace, bad characters, bad padding and non-canonical text', () => {
    for (const bad of [
      'Zg', 'Zg=', 'Zm8', 'Zm9vY', // length not a multiple of 4 / missing padding
      'Zg=== ', ' Zm9v', 'Zm9v\n', 'Zm 9v', 'Zm9v\r\n', 'Zm\t9v', // whitespace
      'Zm9-', 'Zm9_', 'Zm9.', 'Zm9!', 'Zm9\u00e9', 'Zm9\u0000', // bad characters (URL-safe included)
      '=Zm9', 'Z=g=', 'Zg=a', '====', 'Zm9v====', 'Zg==Zm9v', 'Zm8=Zm9v', 'Z===', // misplaced padding
      'Zh==', 'Zm9=', 'Zm+=', 'QR==', 'AAB=', // non-canonical trailing bits
    ]) {
      expect(dec(bad), JSON.stringify(bad)).toBeNull();
    }
    // Node is lenient about all of these; the strict decoder is not
    expect(Buffer.from('Zh==', 'base64').toString()).toBe('f');
    expect(Buffer.from('Zm 9v', 'base64').toString()).toBe('foo');
  });

  it('fuzz: agrees with a regex oracle plus canonical round trip', () => {
    const r = rng(4);
    let accepted = 0;
    let nonCanonical = 0;
    for (let k = 0; k < 30000; k++) {
      const valid = randomBytes(r, Math.floor(r() * 10)).toString('base64');
      const s = mutate(r, valid, NASTY);
      if (B64_RE.test(s) && !b64Oracle(s)) nonCanonical++;
      const text = Buffer.from(s, 'latin1');
      const { src, start, end } = embed(text, r);
      const got = decodeBase64Strict(src, start, end);
      const want = b64Oracle(s);
      if (want) {
        accepted++;
        expect(got, s).not.toBeNull();
        expect(got!.equals(want), s).toBe(true);
      } else {
        expect(got, JSON.stringify(s)).toBeNull();
      }
    }
    expect(accepted).toBeGreaterThan(3000);
    expect(nonCanonical).toBeGreaterThan(100); // the fuzz does reach non-canonical inputs
  });

  it('round-trips every length through the encoder', () => {
    const r = rng(5);
    for (let n = 0; n < 200; n++) {
      const bytes = randomBytes(r, n);
      const text = Buffer.alloc(base64EncodedLength(n));
      base64EncodeInto(bytes, 0, n, text, 0);
      expect(decodeBase64Strict(text, 0, text.length)!.equals(bytes)).toBe(true);
      const dst = Buffer.alloc(base64DecodedMaxLength(text.length) + 1);
      expect(decodeBase64StrictInto(text, 0, text.length, dst, 1)).toBe(1 + n);
    }
  });
});

describe('isHex64 and writeLowerAsciiInto', () => {
  const h = '55e79200c1635b37ad31a378c39feb12f120f116625093a19bc32fff15041149';

  it('isHex64 accepts exactly 64 hex digits of any case', () => {
    const up = Buffer.from(` ${h.toUpperCase()} `);
    expect(isHex64(up, 1, 65)).toBe(true);
    expect(isHex64(Buffer.from(h), 0, 64)).toBe(true);
    expect(isHex64(up, 0, 64)).toBe(false); // leading space
    expect(isHex64(Buffer.from(h + '0'), 0, 65)).toBe(false);
    expect(isHex64(Buffer.from(h.slice(1)), 0, 63)).toBe(false);
    expect(isHex64(Buffer.from(h.slice(0, 63) + 'g'), 0, 64)).toBe(false);
    expect(isHex64(Buffer.from('john@example.com'), 0, 16)).toBe(false);
    expect(isHex64(Buffer.from(h), 0, 65)).toBe(false); // out of range is simply false
  });

  it('writeLowerAsciiInto lowercases ASCII letters only', () => {
    const src = Buffer.from(`${h.toUpperCase()}ÀÉ[@]Z`);
    const dst = Buffer.alloc(src.length + 2);
    const end = writeLowerAsciiInto(src, 0, src.length, dst, 2);
    expect(end).toBe(src.length + 2);
    expect(dst.subarray(2).toString()).toBe(`${h}ÀÉ[@]z`);
  });
});
