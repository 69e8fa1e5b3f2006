// The KSUID generator of build sort keys, held to the KSUID format: 27 base62
// characters of a 4-byte big-endian timestamp (seconds since 1,400,000,000)
// then a 16-byte payload.
import { describe, expect, it } from 'vitest';
import { ksuidOf, ksuidSecond, newKsuid, newKsuidAfter } from '../../src/index.js';

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

describe('newKsuidAfter', () => {
  const at = new Date('2026-12-05T12:00:00.000Z');

  it('reads back the second a KSUID was made in, and nothing from a key that is no KSUID', () => {
    expect(ksuidSecond(ksuidOf(at, new Uint8Array(16)))).toBe(at.getTime() / 1000);
    expect(ksuidSecond('550e8400-e29b-41d4-a716-446655440000')).toBeUndefined();
  });

  it('sorts after the newest key even when that one was made in the same second with a greater payload', () => {
    const newest = ksuidOf(at, new Uint8Array(16).fill(255));
    for (let round = 0; round < 50; round += 1) expect(newKsuidAfter(newest, at) > newest).toBe(true);
  });

  it('is made at `at` when that already sorts after, and with nothing before', () => {
    const older = ksuidOf(new Date(at.getTime() - 60_000), new Uint8Array(16).fill(255));
    expect(ksuidSecond(newKsuidAfter(older, at))).toBe(at.getTime() / 1000);
    expect(ksuidSecond(newKsuidAfter(undefined, at))).toBe(at.getTime() / 1000);
  });
});
