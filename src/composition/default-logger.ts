import { PowertoolsLogger } from '../adapters/driven/logging/powertools-logger.js';

/**
 * The logger the services get when the host gives none. In a Lambda function
 * (`AWS_LAMBDA_FUNCTION_NAME` is set) it logs from INFO, as the handlers'
 * observability expects; embedded in any other process it is quiet, WARN
 * and above, so a service that embeds the module does not find INFO JSON
 * lines in its own output. `POWERTOOLS_LOG_LEVEL` sets the level anywhere.
 */
export function defaultLogger(env: Readonly<Record<string, string | undefined>> = process.env): PowertoolsLogger {
  const chosen = env['POWERTOOLS_LOG_LEVEL'] !== undefined && env['POWERTOOLS_LOG_LEVEL'] !== '';
  const inLambda = env['AWS_LAMBDA_FUNCTION_NAME'] !== undefined;
  return new PowertoolsLogger(chosen || inLambda ? {} : { logLevel: 'WARN' });
}
