// The KSUID generator of build sort keys, held to the KSUID format: 27 base62
// characters of a 4-byte big-endian timestamp (seconds since 1,400,000,000)
// then a 16-byte payload.
import { describe, expect, it } from 'vitest';
import { ksuidOf, newKsuid } from '../../src/index.js';

const KSUID_EPOCH_MS = 1_400_000_000_000;
const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

describe('ksuidOf', () => {
  it("encodes the KSUID format's own example: 0669F7EFB5A1CD34B5F99D1154FB6853345C9735", () => {
    // github.com/segmentio/ksuid, "Inspect the components of a KSUID": timestamp 107608047, that payload.
    expect(ksuidOf(new Date(KSUID_EPOCH_MS + 107_608_047_000), bytes('B5A1CD34B5F99D1154FB6853345C9735'))).toBe('0ujtsYcgvSTl8PAuAdqWYSMnLOv');
  });

  it('pads to 27 characters, from the smallest KSUID to the largest', () => {
    expect(ksuidOf(new Date(KSUID_EPOCH_MS), new Uint8Array(16))).toBe('000000000000000000000000000');
    expect(ksuidOf(new Date(KSUID_EPOCH_MS + 0xffff_ffff * 1000), new Uint8Array(16).fill(0xff))).toBe('aWgEPTl1tmebfsQzFP4bxwgy80V');
  });

  it('counts whole seconds: the milliseconds of the second do not change it', () => {
    const payload = bytes('00112233445566778899AABBCCDDEEFF');
    expect(ksuidOf(new Date('2026-12-05T07:13:37.999Z'), payload)).toBe(ksuidOf(new Date('2026-12-05T07:13:37.000Z'), payload));
  });

  it('refuses a payload that is not 16 bytes, and a time outside the 32-bit timestamp', () => {
    expect(() => ksuidOf(new Date(), new Uint8Array(15))).toThrow(RangeError);
    expect(() => ksuidOf(new Date(KSUID_EPOCH_MS - 1000), new Uint8Array(16))).toThrow(RangeError);
    expect(() => ksuidOf(new Date(KSUID_EPOCH_MS + 2 ** 32 * 1000), new Uint8Array(16))).toThrow(RangeError);
    expect(() => ksuidOf(new Date(Number.NaN), new Uint8Array(16))).toThrow(RangeError);
  });
});

describe('newKsuid', () => {
  it('makes 27 base62 characters that sort by time, as text', () => {
    const earlier = newKsuid(new Date('2026-12-05T07:13:37Z'));
    const later = newKsuid(new Date('2026-12-05T07:13:38Z'));

    expect(earlier).toMatch(/^[0-9A-Za-z]{27}$/);
    expect(earlier < later).toBe(true);
    expect(earlier >= ksuidOf(new Date('2026-12-05T07:13:37Z'), new Uint8Array(16))).toBe(true);
    expect(earlier < ksuidOf(new Date('2026-12-05T07:13:38Z'), new Uint8Array(16))).toBe(true);
  });

  it('makes a new random payload each time', () => {
    const at = new Date();
    expect(new Set(Array.from({ length: 100 }, () => newKsuid(at))).size).toBe(100);
  });
});
