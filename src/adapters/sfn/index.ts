export { SfnExecutionStarter, type SfnExecutionStarterOptions } from './sfn-execution-starter.js';
