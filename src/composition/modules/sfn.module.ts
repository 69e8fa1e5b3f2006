import { ContainerModule } from 'inversify';
import type { InversifyContainerModule } from './container-module-type.js';
import { SfnExecutionController } from '../../adapters/driven/sfn/sfn-execution-controller.js';
import { SfnExecutionInspector } from '../../adapters/driven/sfn/sfn-execution-inspector.js';
import { SfnExecutionStarter, type SfnExecutionStarterOptions } from '../../adapters/driven/sfn/sfn-execution-starter.js';
import { TOKENS } from '../tokens.js';

/** What `sfnModule` builds the starter and the inspector with: an `SFNClient` you own and the STANDARD state machine. */
export type SfnModuleOptions = SfnExecutionStarterOptions;

/**
 * Binds `TOKENS.ExecutionStarter`, `TOKENS.ExecutionInspector` and
 * `TOKENS.ExecutionController` to the Step Functions adapters of one state
 * machine. The options are checked when
 * the module is made: a bad state machine ARN throws a `ValidationError`
 * naming it.
 *
 * @example
 * ```ts
 * import { SFNClient } from '@aws-sdk/client-sfn';
 * import { sfnModule } from '@aws-deployer/orchestrator/sfn';
 *
 * container.load(sfnModule({ client: new SFNClient({}), stateMachineArn }));
 * ```
 */
export function sfnModule(options: SfnModuleOptions): InversifyContainerModule {
  const starter = new SfnExecutionStarter(options);
  const inspector = new SfnExecutionInspector({ client: options.client, stateMachineArn: options.stateMachineArn });
  const controller = new SfnExecutionController({ client: options.client, stateMachineArn: options.stateMachineArn });
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.ExecutionStarter).toConstantValue(starter);
    bind(TOKENS.ExecutionInspector).toConstantValue(inspector);
    bind(TOKENS.ExecutionController).toConstantValue(controller);
  });
}
