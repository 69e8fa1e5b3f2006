import { partitionKeyOf, type BuildKey } from './build-key.js';
import { cutToCodePoints } from './code-points.js';

export const MAX_EXECUTION_NAME_LENGTH = 80;

// The StartExecution API reference: a name must not contain whitespace, these
// characters, control characters (U+0000-001F, U+007F-009F), surrogates
// (U+D800-DFFF, so nothing outside the Basic Multilingual Plane) or
// U+FFFE-FFFF. Tested on UTF-16 code units (no `u` flag), so both halves of a
// surrogate pair are caught.
// eslint-disable-next-line no-control-regex -- control characters are exactly what the reference forbids
const FORBIDDEN_IN_NAME = /[\s<>{}[\]?*"#%\\^|~$&,;:/`\u0000-\u001f\u007f-\u009f\ud800-\udfff\ufffe\uffff]/;

// What the readable part of a hashed name keeps: the characters Step Functions
// accepts even with CloudWatch Logs logging on. Everything else, one code point
// at a time, becomes `_`.
const NOT_LOG_SAFE = /[^0-9A-Za-z_-]/gu;

/** Whether Step Functions accepts `name` as an execution name. */
export function isValidExecutionName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX_EXECUTION_NAME_LENGTH && !FORBIDDEN_IN_NAME.test(name);
}

/**
 * The execution name of a build: `{repo}-{env}-{sk}` exactly when Step
 * Functions accepts it (the Go implementation's names, so both can share a
 * state machine). Otherwise `{readable prefix}-{hash}-{sk}`: `sk` stays whole,
 * and the hash of `{repo}/{env}` (where `/` cannot occur inside `repo`) keeps
 * two builds apart even when their cleaned-up prefixes look alike. The
 * readable prefix is ASCII `0-9 A-Z a-z - _` only, so cutting it to length
 * never splits a character.
 *
 * @example
 * ```ts
 * executionName({ repo: 'myapp', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy' }); // 'myapp-prd-2HFj3kLmNoPqRsTuVwXy'
 * ```
 */
export function executionName(key: BuildKey): string {
  const plain = `${key.repo}-${key.env}-${key.sk}`;
  if (isValidExecutionName(plain)) return plain;

  const hash = fnv1a64(partitionKeyOf(key));
  const room = MAX_EXECUTION_NAME_LENGTH - key.sk.length - hash.length - 2;
  // ASCII after the replacement, so no cut could split a character; cut on code points all the same.
  const prefix = cutToCodePoints(`${key.repo}-${key.env}`.replace(NOT_LOG_SAFE, '_'), room);
  return [prefix, hash, key.sk].filter((part) => part.length > 0).join('-');
}

const FNV_OFFSET_BASIS = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const UINT64 = (1n << 64n) - 1n;

/**
 * 64-bit FNV-1a over UTF-8, as 13 base-36 digits. Not cryptographic: it only
 * has to keep distinct repo/env pairs apart, and the domain may not import
 * `node:crypto`.
 */
function fnv1a64(value: string): string {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of new TextEncoder().encode(value)) {
    hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & UINT64;
  }
  return hash.toString(36).padStart(13, '0');
}
