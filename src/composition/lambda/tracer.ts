import type { AwsClientTracer } from '../aws-container.js';
import { EnvironmentVariableError } from './environment.js';

/**
 * Powertools Tracer for a handler, imported only when tracing is on: with it
 * off, neither `@aws-lambda-powertools/tracer` (an optional peer dependency)
 * nor the X-Ray SDK it loads is ever imported, so tracing off costs nothing.
 * Powertools still decides on its own whether to record (it records only in
 * Lambda, and not when `POWERTOOLS_TRACE_ENABLED` is false).
 *
 * @throws EnvironmentVariableError naming `POWERTOOLS_TRACE_ENABLED` when the tracer is not installed.
 */
export async function loadTracer(serviceName: string): Promise<AwsClientTracer> {
  const { Tracer } = await import('@aws-lambda-powertools/tracer').catch((error: unknown) => {
    throw isTracerMissing(error)
      ? new EnvironmentVariableError(
          'POWERTOOLS_TRACE_ENABLED',
          'is true, but @aws-lambda-powertools/tracer is not installed: add it to the function, or leave tracing off',
        )
      : error;
  });
  return new Tracer({ serviceName });
}

/** The tracer package itself is absent (not one of its own dependencies, which is another fault). */
function isTracerMissing(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
    error.message.includes("'@aws-lambda-powertools/tracer'")
  );
}
