// The context the Lambda Node.js runtime passes to a handler with each event
// (`Context` in @types/aws-lambda), for invoking the real handlers outside
// Lambda: the local stack, the benchmarks and the tests.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface InvocationContextOptions {
  /** The function's timeout: `getRemainingTimeInMillis` counts down from it (default 60 s). */
  readonly timeoutMs?: number;
  /** Default 512. */
  readonly memoryLimitInMB?: number;
  /** Default us-east-1. */
  readonly region?: string;
  /** Default 123456789012. */
  readonly account?: string;
}

/**
 * A fresh invocation of `functionName` ($LATEST): a new request id each
 * time, and the time left counting down from the timeout, as in Lambda.
 *
 * @example
 * ```ts
 * await triggerBuildHandler(event, invocationContext('aws-deployer-trigger-build'));
 * ```
 */
export function invocationContext(functionName: string, options: InvocationContextOptions = {}): Context {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const region = options.region ?? 'us-east-1';
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${options.account ?? '123456789012'}:function:${functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 512),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    // The runtime's callbacks for handlers that take one; every handler here is async.
    done: callbackUnsupported,
    fail: callbackUnsupported,
    succeed: callbackUnsupported,
  };
}

function callbackUnsupported(): never {
  throw new Error('done, fail and succeed serve callback handlers: an async handler returns or throws');
}
