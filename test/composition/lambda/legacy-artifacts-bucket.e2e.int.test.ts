// The artifacts bucket of an older us-east-1 deployment, end to end: the
// ready trigger-build handler starts from its environment (ARTIFACT_BUCKET
// with capitals and an underscore, legal for buckets created there before
// 1 March 2018), reads a new build's INSERT from DynamoDB Local's stream and
// starts its execution on the local Step Functions endpoint, the bucket's name
// in the input. Until 0.3.0 its cold start refused the name: no build started.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DynamoDbBuildRepository } from '../../../src/dynamodb.js';
import { triggerBuildHandlerFromEnvironment } from '../../../src/lambda.js';
import { createBuildsTable, deleteTable, dynamoDbClientFor, uniqueTableName } from '../../../dev/dynamodb-local/builds-table.js';
import { latestStreamArn, streamsClientFor, tableStreamRecords } from '../../../dev/dynamodb-local/table-stream.js';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../../dev/local-sfn/local-sfn-server.js';
import { toLambdaRecord } from '../../../dev/local-stack/stream-event.js';
import { aNewBuild } from '../../support/mothers/build.mother.js';
import { aLambdaContext } from '../../support/mothers/lambda-context.mother.js';
import { capturePowertoolsOutput, type PowertoolsOutput } from '../../support/powertools-output.js';

const LEGACY_BUCKET = 'My_Artifacts';

describe('trigger-build with a legacy us-east-1 artifacts bucket, from its environment to the execution input', () => {
  const tableName = uniqueTableName('legacy-bucket');
  const endpoint = inject('dynamodbEndpoint');
  let dynamodb: DynamoDBClient;
  let streams: DynamoDBStreamsClient;
  let sfn: LocalStepFunctions;
  let output: PowertoolsOutput;

  beforeAll(async () => {
    dynamodb = dynamoDbClientFor(endpoint);
    streams = streamsClientFor(endpoint);
    await createBuildsTable(dynamodb, tableName);
    sfn = await startLocalStepFunctions();
  });

  afterEach(() => {
    output.restore();
    vi.unstubAllEnvs();
  });

  afterAll(async () => {
    await deleteTable(dynamodb, tableName);
    dynamodb.destroy();
    streams.destroy();
    await sfn.close();
  });

  it(`starts the build with s3_bucket "${LEGACY_BUCKET}"`, async () => {
    const stateMachineArn = sfn.createStateMachine('deployment');
    // What Lambda gives the function: its variables, and (here) the local endpoints the SDK reads.
    const environment = {
      BUILDS_TABLE_NAME: tableName,
      STATE_MACHINE_ARN: stateMachineArn,
      ARTIFACT_BUCKET: LEGACY_BUCKET,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      AWS_ENDPOINT_URL_SFN: sfn.endpoint,
    };
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
    output = capturePowertoolsOutput();

    const handler = await triggerBuildHandlerFromEnvironment(process.env);
    const build = aNewBuild({ branch: 'main', version: '2.0.1' });
    await new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamodb), tableName }).create(build);
    const streamArn = await latestStreamArn(dynamodb, tableName);
    const records = (await tableStreamRecords(dynamodb, streams, tableName)).map((record) => toLambdaRecord(record, { streamArn, region: 'us-east-1' }));

    await expect(handler({ Records: records }, aLambdaContext())).resolves.toEqual({ batchItemFailures: [] });

    const executions = sfn.executions.filter((execution) => execution.stateMachineArn === stateMachineArn);
    expect(executions).toHaveLength(1);
    expect(JSON.parse(executions[0]?.input ?? '{}')).toEqual({
      repo: build.repo,
      env: build.env,
      branch: 'main',
      version: '2.0.1',
      sk: build.sk,
      commit_hash: build.commitHash,
      s3_bucket: LEGACY_BUCKET,
      s3_key: `${build.repo}/main/2.0.1`,
    });
    const stored = await new DynamoDbBuildRepository({ client: DynamoDBDocumentClient.from(dynamodb), tableName }).get(build);
    expect(stored).toMatchObject({ status: 'IN_PROGRESS', executionArn: executions[0]?.executionArn });
    expect(output.logs()).toContainEqual(expect.objectContaining({ message: 'Build started', service: 'trigger-build' }));
  });
});
