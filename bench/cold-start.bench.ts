/**
 * Cold start: size and import time of the trigger-build bundle versus a
 * baseline bundle that only constructs the two SDK clients, each imported in
 * fresh node processes (alternating), plus the time of the trigger-build
 * handler's first invocation against local endpoints.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DynamoDbBuildRepository } from '../src/dynamodb.js';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { VERIFY_ENV, bundleEntry, bundleLambdas } from '../scripts/bundle.js';
import { createBuildsTable, dynamoDbClientFor, uniqueTableName } from '../dev/dynamodb-local/builds-table.js';
import { startDynamoDbLocal } from '../dev/dynamodb-local/dynamodb-local.js';
import { invocationContext } from '../dev/lambda-context.js';
import { startLocalStepFunctions } from '../dev/local-sfn/local-sfn-server.js';
import { coldStartAttribution, formatAttribution } from './lib/attribution.js';
import type { Comparison } from './lib/results.js';
import { summarize } from './lib/stats.js';
import { aBenchBuild, insertEventOf } from './lib/workload.js';

const IMPORT_RUNS = 21;
const run = promisify(execFile);

/** Milliseconds to import `file` in a fresh process, measured inside it. */
async function importTime(file: string, env: Record<string, string>): Promise<number> {
  const script = 'const t = performance.now(); await import(process.argv[1]); console.log(performance.now() - t);';
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(file).href], {
    env: { ...process.env, ...env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
  });
  return Number(stdout.trim().split('\n').at(-1));
}

export async function coldStart(): Promise<Comparison[]> {
  const outdir = await mkdtemp(path.join(os.tmpdir(), 'orchestrator-cold-start-'));
  try {
    const [trigger] = (await bundleLambdas(outdir)).filter((bundle) => bundle.name === 'trigger-build');
    const baselineBundle = await bundleEntry(
      path.join(import.meta.dirname, 'fixtures/sdk-clients-only.entry.ts'),
      path.join(outdir, 'sdk-clients-only'),
    );

    // Which package costs how many KiB of what a cold start loads (esbuild's metafile).
    const attribution = coldStartAttribution(trigger!);
    console.log(`trigger-build, loaded at cold start:\n${formatAttribution(attribution)}`);
    console.log(`baseline (SDK clients only), loaded at cold start:\n${formatAttribution(coldStartAttribution(baselineBundle))}`);

    const baselineTimes: number[] = [];
    const triggerTimes: number[] = [];
    for (let i = 0; i < IMPORT_RUNS; i += 1) {
      baselineTimes.push(await importTime(baselineBundle.file, VERIFY_ENV));
      triggerTimes.push(await importTime(trigger!.file, VERIFY_ENV));
    }

    const firstInvocationMs = await firstInvocation(trigger!.file);
    const baseline = summarize(baselineTimes);
    const subject = summarize(triggerTimes);
    return [
      {
        benchmark: 'cold start (bundle import, fresh process)',
        unit: 'ms',
        baseline: { name: 'bundle constructing the two SDK clients only', summary: baseline },
        subject: { name: 'trigger-build bundle', summary: subject },
        ratio: summarize(triggerTimes.map((time, index) => time / (baselineTimes[index] ?? time))),
        notes: {
          triggerBundleKiB: Number((trigger!.bytes / 1024).toFixed(1)),
          baselineBundleKiB: Number((baselineBundle.bytes / 1024).toFixed(1)),
          sizeRatio: Number((trigger!.bytes / baselineBundle.bytes).toFixed(2)),
          firstInvocationMs: Number(firstInvocationMs.toFixed(1)),
          coldStartKiBByOrigin: [...attribution]
            .slice(0, 10)
            .map(([origin, bytes]) => `${origin} ${(bytes / 1024).toFixed(1)}`)
            .join(', '),
        },
      },
    ];
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

/** Imports the bundle in a fresh process pointed at local endpoints and times its first handler call (one INSERT). */
async function firstInvocation(file: string): Promise<number> {
  const dynamodbLocal = await startDynamoDbLocal();
  const sfn = await startLocalStepFunctions();
  const client = dynamoDbClientFor(dynamodbLocal.endpoint);
  try {
    const tableName = uniqueTableName('cold-start');
    await createBuildsTable(client, tableName);
    const build = aBenchBuild();
    await new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(client), tableName }).create(build);
    const event = JSON.stringify(insertEventOf([build]));
    const script = [
      'const { handler } = await import(process.argv[1]);',
      'const t = performance.now();',
      // The context as Lambda passes it (JSON keeps all but its one function).
      'const context = { ...JSON.parse(process.argv[3]), getRemainingTimeInMillis: () => 60_000 };',
      'const result = await handler(JSON.parse(process.argv[2]), context);',
      'if (result.batchItemFailures.length > 0) throw new Error("the first invocation failed");',
      'console.log(performance.now() - t);',
    ].join('\n');
    const context = JSON.stringify(invocationContext('aws-deployer-trigger-build'));
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(file).href, event, context], {
      env: {
        ...process.env,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_ENDPOINT_URL_DYNAMODB: dynamodbLocal.endpoint,
        AWS_ENDPOINT_URL_SFN: sfn.endpoint,
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        BUILDS_TABLE_NAME: tableName,
        STATE_MACHINE_ARN: sfn.createStateMachine('deployment'),
        ARTIFACT_BUCKET: 'my-artifacts-bucket',
      },
    });
    return Number(stdout.trim().split('\n').at(-1));
  } finally {
    client.destroy();
    await sfn.close();
    await dynamodbLocal.stop();
  }
}
