// The Lambda context a handler receives with each event: a new invocation
// (request id) each time, counting down from a 60 s timeout.
import type { Context } from 'aws-lambda';
import { invocationContext } from '../../../dev/lambda-context.js';

/** An invocation of the trigger-build function unless `overrides` say otherwise (e.g. `getRemainingTimeInMillis`). */
export function aLambdaContext(overrides: Partial<Context> = {}): Context {
  return { ...invocationContext('aws-deployer-trigger-build'), ...overrides };
}

/** The handler as Lambda calls it, with a new invocation context each time: for tests about what it does with its events. */
export function invokedByLambda<TEvent, TResult>(handler: (event: TEvent, context: Context) => Promise<TResult>): (event: TEvent) => Promise<TResult> {
  return (event) => handler(event, aLambdaContext());
}
