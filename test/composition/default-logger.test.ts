// The logger the services get when the host gives none: quiet when embedded,
// INFO in Lambda, POWERTOOLS_LOG_LEVEL anywhere.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultLogger } from '../../src/composition/default-logger.js';
import { capturePowertoolsOutput, type PowertoolsOutput } from '../support/powertools-output.js';

describe('the default logger', () => {
  let output: PowertoolsOutput;
  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', '');
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', undefined);
    output = capturePowertoolsOutput();
  });
  afterEach(() => {
    output.restore();
    vi.unstubAllEnvs();
  });

  const levelsWritten = () => output.logs().map((line) => line['level']);

  it('writes only warnings and errors in a process that embeds the module', () => {
    const logger = defaultLogger();
    logger.info('Execution recorded');
    logger.warn('Build completion refused');
    expect(levelsWritten()).toEqual(['WARN']);
  });

  it('writes from INFO in a Lambda function', () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'trigger-build');
    const logger = defaultLogger();
    logger.debug('Claimed');
    logger.info('Execution recorded');
    expect(levelsWritten()).toEqual(['INFO']);
  });

  it('takes the level POWERTOOLS_LOG_LEVEL sets, anywhere', () => {
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
    const logger = defaultLogger();
    logger.debug('Claimed');
    expect(levelsWritten()).toEqual(['DEBUG']);
  });
});
