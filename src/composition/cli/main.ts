#!/usr/bin/env node
// The `aws-deployer-orchestrator` command: see docs/cli.md.
import { processIo } from '../../adapters/driving/cli/io.js';
import { run } from '../../adapters/driving/cli/run.js';

process.exitCode = await run(process.argv.slice(2), processIo(), {
  // Loaded once the command line is valid: help and usage errors stay fast without the AWS SDK.
  loadComposition: async () => (await import('./compose.js')).composeServices,
});
