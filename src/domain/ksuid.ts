/** Base62 in ASCII order, so a KSUID's text sorts as its bytes do. */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** KSUID timestamps count seconds from 2014-05-13T16:53:20Z (Unix time 1,400,000,000). */
const KSUID_EPOCH_SECONDS = 1_400_000_000;
const MAX_TIMESTAMP = 0xffff_ffff;
const PAYLOAD_BYTES = 16;
/** 20 bytes in base62 take at most 27 digits; shorter numbers are padded with "0". */
const KSUID_LENGTH = 27;

/**
 * A new KSUID, the build sort key (`sk`) AWS Deployer's upload function
 * writes: 27 base62 characters encoding a 4-byte big-endian timestamp (whole
 * seconds since the KSUID epoch) and 16 random bytes. K-sortable: keys of
 * different seconds sort by time, as text and as bytes.
 *
 * @example
 * ```ts
 * newKsuid(); // '3MfXbXjUnwmqZa0FIk1cEBYkKYx'
 * ```
 */
export function newKsuid(at: Date = new Date()): string {
  // Web Crypto's generator, a global of Node.js (and of every Lambda runtime): no import, so the domain stays free of node: modules.
  return ksuidOf(at, globalThis.crypto.getRandomValues(new Uint8Array(PAYLOAD_BYTES)));
}

/**
 * The KSUID of the second of `at` with this 16-byte payload (keys of one
 * second sort by their payload).
 *
 * @throws RangeError when the payload is not 16 bytes, or `at` is outside the
 *   KSUID's time range (2014-05-13T16:53:20Z to 2150-06-19T23:21:35Z).
 */
export function ksuidOf(at: Date, payload: Uint8Array): string {
  if (payload.length !== PAYLOAD_BYTES) throw new RangeError(`A KSUID payload is ${PAYLOAD_BYTES} bytes, got ${payload.length}`);
  const timestamp = Math.floor(at.getTime() / 1000) - KSUID_EPOCH_SECONDS;
  if (!Number.isSafeInteger(timestamp) || timestamp < 0 || timestamp > MAX_TIMESTAMP) {
    throw new RangeError(`A KSUID holds times from 2014-05-13T16:53:20Z to 2150-06-19T23:21:35Z, got ${String(at.getTime())} ms`);
  }
  let value = BigInt(timestamp);
  for (const byte of payload) value = (value << 8n) | BigInt(byte);
  let text = '';
  for (; value > 0n; value /= 62n) text = BASE62.charAt(Number(value % 62n)) + text;
  return text.padStart(KSUID_LENGTH, '0');
}

/** The whole second a KSUID was made in, or `undefined` when `ksuid` is not one (another writer's key). */
export function ksuidSecond(ksuid: string): number | undefined {
  if (ksuid.length !== KSUID_LENGTH || ![...ksuid].every((character) => BASE62.includes(character))) return undefined;
  let value = 0n;
  for (const character of ksuid) value = value * 62n + BigInt(BASE62.indexOf(character));
  const timestamp = value >> BigInt(PAYLOAD_BYTES * 8);
  return timestamp > BigInt(MAX_TIMESTAMP) ? undefined : Number(timestamp) + KSUID_EPOCH_SECONDS;
}

/**
 * A new KSUID that sorts after `newest` (an environment's newest build key),
 * made at `at` when that already does, else in the second after `newest`'s:
 * a build recorded in the same second as another gets a random payload, and
 * might sort before it. What a person's redeploy or rollback needs to be the
 * newest build of its environment (a build older than a deployed one never
 * deploys).
 */
export function newKsuidAfter(newest: string | undefined, at: Date = new Date()): string {
  const candidate = newKsuid(at);
  if (newest === undefined || candidate > newest) return candidate;
  const second = ksuidSecond(newest);
  // A key that is no KSUID (another writer's, e.g. a UUID) gives no second to go past: the new key is kept.
  return second === undefined ? candidate : newKsuid(new Date((second + 1) * 1000));
}
