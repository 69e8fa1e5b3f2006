import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * Items inside SDK exceptions (cancellation reasons, ConditionalCheckFailed)
 * are not unmarshalled by the document client: they arrive as attribute
 * values.
 */
export function itemFrom(item: unknown): Record<string, unknown> {
  return unmarshall(item as Record<string, AttributeValue>);
}
