export { SfnExecutionController, type SfnExecutionControllerOptions } from './adapters/driven/sfn/sfn-execution-controller.js';
export { SfnExecutionInspector, type SfnExecutionInspectorOptions } from './adapters/driven/sfn/sfn-execution-inspector.js';
export { SfnExecutionStarter, type SfnExecutionStarterOptions } from './adapters/driven/sfn/sfn-execution-starter.js';
export { sfnModule, type SfnModuleOptions } from './composition/modules/sfn.module.js';
