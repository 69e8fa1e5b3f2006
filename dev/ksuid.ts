import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** KSUID timestamps count seconds from 2014-05-13T16:53:20Z. */
const KSUID_EPOCH_SECONDS = 1_400_000_000;
const LENGTH = 27;
const PAYLOAD_BYTES = 16;

/**
 * A new KSUID (27 base62 characters: a 32-bit timestamp then 128 random
 * bits), the build sort key the upload function writes: k-sortable, so
 * lexical order is time order.
 */
export function newKsuid(now: Date = new Date()): string {
  return ksuidOf(now, randomBytes(PAYLOAD_BYTES));
}

/** The KSUID of `now` with this 16-byte payload: keys of one second sort by their payload. */
export function ksuidOf(now: Date, payload: Uint8Array): string {
  if (payload.length !== PAYLOAD_BYTES) throw new Error(`A KSUID payload is ${PAYLOAD_BYTES} bytes, got ${payload.length}`);
  const bytes = Buffer.alloc(4 + PAYLOAD_BYTES);
  bytes.writeUInt32BE(Math.floor(now.getTime() / 1000) - KSUID_EPOCH_SECONDS, 0);
  Buffer.from(payload).copy(bytes, 4);
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let text = '';
  while (value > 0n) {
    text = ALPHABET[Number(value % 62n)] + text;
    value /= 62n;
  }
  return text.padStart(LENGTH, '0');
}
