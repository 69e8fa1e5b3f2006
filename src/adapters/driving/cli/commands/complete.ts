import { buildIdOf, parseCompletion } from '../../../../domain/index.js';
import { stringValue, UsageError } from '../args.js';
import { CONFIGURATION_OPTIONS, OUTPUT_OPTIONS } from '../common-options.js';
import type { Command } from '../command.js';
import { EXIT } from '../io.js';
import { parseBuildIdArgument } from './build-id-argument.js';

export const completeCommand: Command = {
  spec: {
    name: 'complete',
    summary: 'Record how a build ended (SUCCESS or FAILED), as the state machine would.',
    description:
      'Idempotent: recording the status a build already has changes nothing (exit 0).\n' +
      'A build that already ended otherwise is left as it is (exit 1): the first writer wins.',
    positionals: [{ name: 'build-id', description: 'The build, as {repo}/{env}:{sk}.' }],
    options: {
      status: { type: 'string', valueName: 'SUCCESS|FAILED', description: 'How the build ended (required).' },
      'error-msg': { type: 'string', valueName: 'text', description: 'Why it failed (FAILED only; recorded on the build).' },
      ...CONFIGURATION_OPTIONS,
      ...OUTPUT_OPTIONS,
    },
    examples: [
      'aws-deployer-orchestrator complete myapp/prd:2HFj3kLmNoPqRsTuVwXy --status SUCCESS',
      'aws-deployer-orchestrator complete myapp/prd:2HFj3kLmNoPqRsTuVwXy --status FAILED --error-msg "stack rolled back"',
    ],
  },
  needsStateMachine: false,
  parse(args) {
    const key = parseBuildIdArgument(args.positionals['build-id']);
    const errorMsg = stringValue(args, 'error-msg');
    const completion = parseCompletion({ status: stringValue(args, 'status'), errorMsg });
    // The domain drops a reason given with SUCCESS; a person who typed one meant something else.
    if (completion.status === 'SUCCESS' && errorMsg !== undefined) {
      throw new UsageError('--error-msg goes only with --status FAILED (a SUCCESS records no error)');
    }
    return async ({ services, output }) => {
      const buildId = buildIdOf(key);
      const result = await services().completions.record(key, completion);
      const document = { buildId, ...result };
      switch (result.outcome) {
        case 'completed':
          output.result(document, `${buildId} is now ${result.status}.\n`);
          return EXIT.OK;
        case 'already-completed':
          output.result(document, `${buildId} was already ${result.status}; nothing changed.\n`);
          return EXIT.OK;
        case 'refused':
          output.result(document, `${buildId} is already ${result.status}; it was not changed to ${completion.status}.\n`);
          return EXIT.FAILED;
        case 'not-a-build':
          output.result(document, `${buildId} was not changed: ${result.reason}.\n`);
          return EXIT.FAILED;
      }
    };
  },
};
