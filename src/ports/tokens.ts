/**
 * Injection tokens for the ports. Explicit tokens on every constructor
 * parameter keep the container working in esbuild bundles, which emit no
 * decorator metadata.
 */
export const TOKENS = {
  BuildRepository: Symbol.for('@aws-deployer/orchestrator/BuildRepository'),
  ExecutionStarter: Symbol.for('@aws-deployer/orchestrator/ExecutionStarter'),
  ExecutionInspector: Symbol.for('@aws-deployer/orchestrator/ExecutionInspector'),
  Clock: Symbol.for('@aws-deployer/orchestrator/Clock'),
  Logger: Symbol.for('@aws-deployer/orchestrator/Logger'),
} as const;
