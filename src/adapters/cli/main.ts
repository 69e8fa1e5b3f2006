#!/usr/bin/env node
// The `aws-deployer-orchestrator` command: see docs/cli.md.
import { processIo } from './io.js';
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2), processIo());
