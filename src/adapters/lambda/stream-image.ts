import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue as StreamAttributeValue } from 'aws-lambda';
import { ValidationError, type Build } from '../../domain/index.js';
import { fromBuildItem } from '../dynamodb/build-item.mapper.js';

/** An attribute that is present but could not be read into a JavaScript value. */
const UNREADABLE = Symbol('unreadable attribute');

class UnsafeNumberError extends Error {}

/**
 * Numbers are read as plain `number`s, and refused where that would lose
 * digits: `unmarshall` would otherwise give a `BigInt` (which no schema
 * expects) or throw a message that does not say which attribute it was.
 */
function readNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) {
    throw new UnsafeNumberError(`is the number ${text}, beyond 2^53 (it cannot be read without losing digits)`);
  }
  return value;
}

/**
 * Reads a stream image into a build, validating it the way items read from
 * the table are validated (`fromBuildItem`).
 *
 * Each attribute is unmarshalled on its own so a failure can name it. An
 * unreadable attribute only matters when the build uses it: attributes added
 * by other writers are ignored here, as the repository ignores them.
 *
 * @throws ValidationError naming the attribute: missing, of the wrong type,
 *   a set where one value belongs, or a number beyond 2^53.
 */
export function buildFromImage(image: Readonly<Record<string, StreamAttributeValue>>): Build {
  const item: Record<string, unknown> = {};
  const unreadable = new Map<string, string>();
  for (const [name, value] of Object.entries(image)) {
    try {
      // The Lambda type and the SDK type describe the same wire shape.
      item[name] = unmarshall({ [name]: value } as Record<string, AttributeValue>, { wrapNumbers: readNumber })[name];
    } catch (error) {
      unreadable.set(name, error instanceof UnsafeNumberError ? error.message : `cannot be read: ${String(error)}`);
      item[name] = UNREADABLE;
    }
  }
  try {
    return fromBuildItem(item);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(error.field, clearerReason(error, item[error.field], unreadable.get(error.field)));
  }
}

function clearerReason(error: ValidationError, value: unknown, unreadableReason: string | undefined): string {
  if (unreadableReason !== undefined) return unreadableReason;
  if (value === undefined) return 'is missing';
  if (value instanceof Set) return `is a set (SS/NS/BS) where a single value belongs; ${error.reason}`;
  return error.reason;
}
