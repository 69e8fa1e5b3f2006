export { SfnExecutionInspector, type SfnExecutionInspectorOptions } from './sfn-execution-inspector.js';
export { SfnExecutionStarter, type SfnExecutionStarterOptions } from './sfn-execution-starter.js';
