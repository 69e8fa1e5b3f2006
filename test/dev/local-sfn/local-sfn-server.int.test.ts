/**
 * The local Step Functions endpoint, exercised only through the real SFNClient:
 * if these pass, production code talking to it sees what it would see on AWS.
 */
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionLimitExceeded,
  InvalidArn,
  InvalidExecutionInput,
  InvalidName,
  InvalidToken,
  ExecutionNotRedrivable,
  KmsAccessDeniedException,
  KmsInvalidStateException,
  KmsThrottlingException,
  ListActivitiesCommand,
  ListExecutionsCommand,
  paginateListExecutions,
  type SFNClient,
  type SFNClientConfig,
  SFNServiceException,
  StartExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDeleting,
  StateMachineDoesNotExist,
  StateMachineTypeNotSupported,
  StopExecutionCommand,
  RedriveExecutionCommand,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type ExecutionOutcome,
  type ExecutionRunner,
  type LocalStepFunctions,
  MAX_INPUT_BYTES,
  startLocalStepFunctions,
} from '../../../dev/local-sfn/local-sfn-server.js';
import { sfnClientFor } from '../../../dev/local-sfn/sfn-client.js';

const INPUT = JSON.stringify({ repo: 'web', env: 'prod', sk: '2aBc' });
const UNKNOWN_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:nobody';

let sfn: LocalStepFunctions;
const clients: SFNClient[] = [];

/** A real SFNClient aimed at `endpoint`; one attempt unless a test asks for the SDK's retries. */
function clientFor(endpoint: string, config: SFNClientConfig = {}): SFNClient {
  const client = sfnClientFor(endpoint, { maxAttempts: 1, ...config });
  clients.push(client);
  return client;
}

function client(config: SFNClientConfig = {}): SFNClient {
  return clientFor(sfn.endpoint, config);
}

function start(stateMachineArn: string, name: string, input = INPUT, config: SFNClientConfig = {}) {
  return client(config).send(new StartExecutionCommand({ stateMachineArn, name, input }));
}

function describeExecution(executionArn: string) {
  return client().send(new DescribeExecutionCommand({ executionArn }));
}

/** A JSON string literal of exactly `bytes` UTF-8 bytes, mostly 3-byte characters so bytes and length differ. */
function jsonStringOfBytes(bytes: number): string {
  const contentBytes = bytes - 2;
  const remainder = ['', 'a', 'é'][contentBytes % 3] ?? '';
  return JSON.stringify('€'.repeat(Math.floor(contentBytes / 3)) + remainder);
}

async function elapsedMs(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

beforeAll(async () => {
  sfn = await startLocalStepFunctions();
});

afterAll(async () => {
  await sfn.close();
});

beforeEach(() => {
  sfn.reset();
});

afterEach(() => {
  clients.splice(0).forEach((used) => used.destroy());
});

describe('state machines', () => {
  const definition = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
  const roleArn = 'arn:aws:iam::123456789012:role/deployer';

  it('creates and describes a state machine', async () => {
    const created = await client().send(new CreateStateMachineCommand({ name: 'deploy', definition, roleArn }));

    expect(created.stateMachineArn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:deploy');
    expect(created.creationDate).toBeInstanceOf(Date);
    const described = await client().send(new DescribeStateMachineCommand({ stateMachineArn: created.stateMachineArn }));
    expect(described).toMatchObject({ name: 'deploy', status: 'ACTIVE', type: 'STANDARD', definition, roleArn });
  });

  it('returns the existing machine for an identical create and refuses a different one', async () => {
    const first = await client().send(new CreateStateMachineCommand({ name: 'deploy', definition, roleArn }));
    const again = await client().send(new CreateStateMachineCommand({ name: 'deploy', definition, roleArn }));

    expect(again).toMatchObject({ stateMachineArn: first.stateMachineArn, creationDate: first.creationDate });
    await expect(
      client().send(new CreateStateMachineCommand({ name: 'deploy', definition, roleArn, type: 'EXPRESS' })),
    ).rejects.toBeInstanceOf(StateMachineAlreadyExists);
  });

  it('rejects an invalid state machine name', async () => {
    await expect(
      client().send(new CreateStateMachineCommand({ name: 'de ploy', definition, roleArn })),
    ).rejects.toBeInstanceOf(InvalidName);
  });

  it('the createStateMachine shortcut makes a STANDARD machine without a call', async () => {
    const arn = sfn.createStateMachine('deploy');

    expect(arn).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:deploy');
    await expect(client().send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).resolves.toMatchObject({
      type: 'STANDARD',
    });
    expect(sfn.callCount('CreateStateMachine')).toBe(0);
  });

  it('a deleted machine is DELETING and refuses new executions', async () => {
    const arn = sfn.createStateMachine('deploy');

    await client().send(new DeleteStateMachineCommand({ stateMachineArn: arn }));

    await expect(client().send(new DescribeStateMachineCommand({ stateMachineArn: arn }))).resolves.toMatchObject({
      status: 'DELETING',
    });
    await expect(start(arn, 'build-1')).rejects.toBeInstanceOf(StateMachineDeleting);
  });
});

describe('StartExecution and DescribeExecution', () => {
  let machineArn: string;

  beforeEach(() => {
    machineArn = sfn.createStateMachine('deploy');
  });

  it('starts a RUNNING execution with the documented ARN and records the trace header', async () => {
    const started = await client().send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: 'web-prod-2aBc', input: INPUT, traceHeader: 'Root=1-abc' }),
    );

    expect(started.executionArn).toBe('arn:aws:states:us-east-1:123456789012:execution:deploy:web-prod-2aBc');
    expect(started.startDate).toBeInstanceOf(Date);
    const described = await describeExecution(started.executionArn ?? '');
    expect(described).toMatchObject({
      executionArn: started.executionArn,
      stateMachineArn: machineArn,
      name: 'web-prod-2aBc',
      status: 'RUNNING',
      input: INPUT,
      traceHeader: 'Root=1-abc',
      startDate: started.startDate,
    });
    expect(described.stopDate).toBeUndefined();
    expect(sfn.executions).toEqual([expect.objectContaining({ name: 'web-prod-2aBc', traceHeader: 'Root=1-abc' })]);
  });

  it('generates a name when none is given', async () => {
    const started = await client().send(new StartExecutionCommand({ stateMachineArn: machineArn, input: INPUT }));

    expect(started.executionArn).toMatch(/:execution:deploy:[0-9a-f-]{36}$/);
  });

  it('a repeat with the same name and input while RUNNING returns the same execution', async () => {
    const first = await start(machineArn, 'build-1');
    const repeat = await start(machineArn, 'build-1');

    expect(repeat.executionArn).toBe(first.executionArn);
    expect(repeat.startDate?.getTime()).toBe(first.startDate?.getTime());
    expect(sfn.executions).toHaveLength(1);
  });

  it('the same name with a different input is ExecutionAlreadyExists, naming the existing ARN', async () => {
    const first = await start(machineArn, 'build-1');

    const refusal = start(machineArn, 'build-1', JSON.stringify({ other: true }));

    await expect(refusal).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    await expect(refusal).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
      message: expect.stringContaining(first.executionArn ?? '?'),
    });
  });

  it.each(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const)(
    'the same name and input after the first closed as %s is ExecutionAlreadyExists',
    async (status) => {
      const first = await start(machineArn, 'build-1');
      sfn.completeExecution(first.executionArn ?? '', { status });

      await expect(start(machineArn, 'build-1')).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    },
  );

  it.each([
    ['empty', ''],
    ['81 characters', 'a'.repeat(81)],
    ['a space', 'web prod'],
    ['a tab', 'web\tprod'],
    ['a newline', 'web\nprod'],
    ['a no-break space', 'web\u00a0prod'],
    ['an em space', 'web\u2003prod'],
    ['U+0000', 'web\u0000prod'],
    ['U+001F', 'web\u001fprod'],
    ['U+007F', 'web\u007fprod'],
    ['U+0080', 'web\u0080prod'],
    ['U+009F', 'web\u009fprod'],
    ...[...'<>{}[]?*"#%\\^|~$&,;:/`'].map((character) => [`'${character}'`, `web${character}prod`]),
  ])('rejects a name with %s as InvalidName', async (_label, name) => {
    await expect(start(machineArn, name)).rejects.toBeInstanceOf(InvalidName);
    expect(sfn.executions).toHaveLength(0);
  });

  it.each([
    ['80 characters', 'a'.repeat(80)],
    ['80 two-byte characters', 'é'.repeat(80)],
    ['dashes, dots, underscores, plus, equals, at', 'web_app.v2-prod-2aBc+x=y@z'],
  ])('accepts a name of %s', async (_label, name) => {
    await expect(start(machineArn, name)).resolves.toHaveProperty('executionArn');
  });

  it('rejects input that is not JSON as InvalidExecutionInput', async () => {
    await expect(start(machineArn, 'build-1', '{not json')).rejects.toBeInstanceOf(InvalidExecutionInput);
  });

  it('accepts input of exactly 262,144 UTF-8 bytes and refuses one byte more', async () => {
    const largest = jsonStringOfBytes(MAX_INPUT_BYTES);
    const tooLarge = jsonStringOfBytes(MAX_INPUT_BYTES + 1);
    expect(Buffer.byteLength(largest, 'utf8')).toBe(262_144);
    expect(Buffer.byteLength(tooLarge, 'utf8')).toBe(262_145);
    expect(tooLarge.length).toBeLessThan(MAX_INPUT_BYTES / 2);

    await expect(start(machineArn, 'largest', largest)).resolves.toHaveProperty('executionArn');
    await expect(start(machineArn, 'too-large', tooLarge)).rejects.toBeInstanceOf(InvalidExecutionInput);
    expect(sfn.executions.map((execution) => execution.input)).toEqual([largest]);
  });

  it('rejects a malformed state machine ARN as InvalidArn', async () => {
    await expect(start('not-an-arn', 'build-1')).rejects.toBeInstanceOf(InvalidArn);
  });

  it('rejects an unknown state machine as StateMachineDoesNotExist', async () => {
    await expect(start(UNKNOWN_MACHINE_ARN, 'build-1')).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it('describing an unknown execution is ExecutionDoesNotExist, a malformed ARN InvalidArn', async () => {
    await expect(
      describeExecution('arn:aws:states:us-east-1:123456789012:execution:deploy:never'),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(describeExecution('arn:nonsense')).rejects.toBeInstanceOf(InvalidArn);
  });

  it('completeExecution closes an execution with its output, error and cause', async () => {
    const succeeded = await start(machineArn, 'build-1');
    const failed = await start(machineArn, 'build-2');

    sfn.completeExecution(succeeded.executionArn ?? '', { status: 'SUCCEEDED', output: '{"ok":true}' });
    sfn.completeExecution(failed.executionArn ?? '', { status: 'FAILED', error: 'Deploy.Failed', cause: 'stack rolled back' });

    const describedSuccess = await describeExecution(succeeded.executionArn ?? '');
    expect(describedSuccess).toMatchObject({ status: 'SUCCEEDED', output: '{"ok":true}' });
    expect(describedSuccess.stopDate).toBeInstanceOf(Date);
    await expect(describeExecution(failed.executionArn ?? '')).resolves.toMatchObject({
      status: 'FAILED',
      error: 'Deploy.Failed',
      cause: 'stack rolled back',
    });
    expect(() => sfn.completeExecution(failed.executionArn ?? '', { status: 'SUCCEEDED' })).toThrow(/already FAILED/);
  });
});

describe('StopExecution', () => {
  it('aborts a RUNNING execution with the given error and cause', async () => {
    const machineArn = sfn.createStateMachine('deploy');
    const { executionArn = '' } = await start(machineArn, 'build-1');

    const stopped = await client().send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'bad commit' }));

    expect(stopped.stopDate).toBeInstanceOf(Date);
    await expect(describeExecution(executionArn)).resolves.toMatchObject({
      status: 'ABORTED',
      error: 'Operator',
      cause: 'bad commit',
      stopDate: stopped.stopDate,
    });
  });

  it('leaves a closed execution as it was', async () => {
    const machineArn = sfn.createStateMachine('deploy');
    const { executionArn = '' } = await start(machineArn, 'build-1');
    sfn.completeExecution(executionArn, { status: 'SUCCEEDED', output: '{}' });

    await client().send(new StopExecutionCommand({ executionArn }));

    await expect(describeExecution(executionArn)).resolves.toMatchObject({ status: 'SUCCEEDED' });
  });

  it('leaves out error and cause when none are given', async () => {
    const machineArn = sfn.createStateMachine('deploy');
    const { executionArn = '' } = await start(machineArn, 'build-1');

    await client().send(new StopExecutionCommand({ executionArn }));

    const described = await describeExecution(executionArn);
    expect(described).toMatchObject({ status: 'ABORTED' });
    expect(described.error).toBeUndefined();
    expect(described.cause).toBeUndefined();
  });

  it('refuses an error over 256 characters or a cause over 32768 as ValidationException, stopping nothing', async () => {
    const machineArn = sfn.createStateMachine('deploy');
    const { executionArn = '' } = await start(machineArn, 'build-1');

    await expect(client().send(new StopExecutionCommand({ executionArn, error: 'e'.repeat(257) }))).rejects.toBeInstanceOf(ValidationException);
    await expect(client().send(new StopExecutionCommand({ executionArn, cause: 'c'.repeat(32_769) }))).rejects.toBeInstanceOf(ValidationException);
    await client().send(new StopExecutionCommand({ executionArn, error: 'e'.repeat(256), cause: 'c'.repeat(32_768) }));

    await expect(describeExecution(executionArn)).resolves.toMatchObject({ status: 'ABORTED', error: 'e'.repeat(256) });
  });
});

describe('RedriveExecution', () => {
  async function aFailedExecution(name = 'build-1') {
    const machineArn = sfn.createStateMachine('deploy');
    const { executionArn = '' } = await start(machineArn, name);
    sfn.completeExecution(executionArn, { status: 'FAILED', error: 'States.TaskFailed', cause: 'stack rolled back' });
    return executionArn;
  }

  function redrive(executionArn: string, clientToken?: string) {
    return client().send(new RedriveExecutionCommand({ executionArn, ...(clientToken === undefined ? {} : { clientToken }) }));
  }

  it('runs a FAILED execution again under the same ARN and describes the redrive', async () => {
    const executionArn = await aFailedExecution();
    await expect(describeExecution(executionArn)).resolves.toMatchObject({ redriveStatus: 'REDRIVABLE', redriveCount: 0 });

    const { redriveDate } = await redrive(executionArn, 'token-1');

    const described = await describeExecution(executionArn);
    expect(described).toMatchObject({
      executionArn,
      status: 'RUNNING',
      input: INPUT,
      redriveCount: 1,
      redriveDate,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is RUNNING and cannot be redriven.',
    });
    expect(described.error).toBeUndefined();
  });

  it('describes a running or succeeded execution NOT_REDRIVABLE and refuses to redrive it with the same reason', async () => {
    const machineArn = sfn.createStateMachine('deploy');
    const { executionArn: running = '' } = await start(machineArn, 'build-1');
    const { executionArn: succeeded = '' } = await start(machineArn, 'build-2');
    sfn.completeExecution(succeeded, { status: 'SUCCEEDED' });

    for (const [executionArn, reason] of [
      [running, 'Execution is RUNNING and cannot be redriven.'],
      [succeeded, 'Execution is SUCCEEDED and cannot be redriven.'],
    ] as const) {
      await expect(describeExecution(executionArn)).resolves.toMatchObject({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: reason });
      const refusal = await redrive(executionArn, 'token-1').catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(ExecutionNotRedrivable);
      expect(refusal).toMatchObject({ message: reason });
    }
  });

  it('answers a repeated client token with the first answer and redrives once; another token is refused while it runs', async () => {
    const executionArn = await aFailedExecution();

    const first = await redrive(executionArn, 'token-1');
    const again = await redrive(executionArn, 'token-1');

    expect(again.redriveDate).toEqual(first.redriveDate);
    await expect(describeExecution(executionArn)).resolves.toMatchObject({ redriveCount: 1 });
    await expect(redrive(executionArn, 'token-2')).rejects.toBeInstanceOf(ExecutionNotRedrivable);
  });

  it('forgets a client token after 15 minutes', async () => {
    const executionArn = await aFailedExecution();
    await redrive(executionArn, 'token-1');
    sfn.completeExecution(executionArn, { status: 'FAILED' });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 16 * 60 * 1000);
      await redrive(executionArn, 'token-1');
      await expect(describeExecution(executionArn)).resolves.toMatchObject({ status: 'RUNNING', redriveCount: 2 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses an execution closed more than 14 days ago, or of a deleting state machine', async () => {
    const executionArn = await aFailedExecution();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 15 * 24 * 60 * 60 * 1000);
      await expect(describeExecution(executionArn)).resolves.toMatchObject({
        redriveStatus: 'NOT_REDRIVABLE',
        redriveStatusReason: 'Execution redrivable period exceeded.',
      });
      await expect(redrive(executionArn, 'token-1')).rejects.toThrow('Execution redrivable period exceeded.');
    } finally {
      vi.useRealTimers();
    }

    const other = await aFailedExecution('build-2');
    await client().send(new DeleteStateMachineCommand({ stateMachineArn: sfn.createStateMachine('deploy') }));
    await expect(describeExecution(other)).resolves.toMatchObject({ redriveStatusReason: 'State machine is in DELETING status.' });
    await expect(redrive(other, 'token-1')).rejects.toBeInstanceOf(ExecutionNotRedrivable);
  });

  it('refuses a client token that is empty, over 64 characters or not printable ASCII as ValidationException', async () => {
    const executionArn = await aFailedExecution();
    for (const clientToken of ['x'.repeat(65), 'with space', 'é']) {
      await expect(redrive(executionArn, clientToken)).rejects.toBeInstanceOf(ValidationException);
    }
    await expect(describeExecution(executionArn)).resolves.toMatchObject({ status: 'FAILED', redriveCount: 0 });
  });

  it('refuses an unknown execution as ExecutionDoesNotExist', async () => {
    await expect(redrive('arn:aws:states:us-east-1:123456789012:execution:deploy:nobody', 'token-1')).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });
});

describe('ListExecutions', () => {
  let machineArn: string;

  beforeEach(async () => {
    machineArn = sfn.createStateMachine('deploy');
    for (const name of ['b1', 'b2', 'b3', 'b4', 'b5']) {
      await start(machineArn, name);
    }
    sfn.completeExecution(sfn.executions[1]?.executionArn ?? '', { status: 'SUCCEEDED' });
  });

  it('pages newest first with maxResults and nextToken (the SDK paginator follows it)', async () => {
    const pages = [];
    for await (const page of paginateListExecutions({ client: client(), pageSize: 2 }, { stateMachineArn: machineArn })) {
      pages.push(page.executions?.map((execution) => execution.name));
    }

    expect(pages).toEqual([['b5', 'b4'], ['b3', 'b2'], ['b1']]);
  });

  it('filters by status and reports dates', async () => {
    const running = await client().send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'RUNNING' }));
    const succeeded = await client().send(
      new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: 'SUCCEEDED' }),
    );

    expect(running.executions?.map((execution) => execution.name)).toEqual(['b5', 'b4', 'b3', 'b1']);
    expect(running.nextToken).toBeUndefined();
    expect(succeeded.executions).toEqual([
      expect.objectContaining({ name: 'b2', status: 'SUCCEEDED', startDate: expect.any(Date), stopDate: expect.any(Date) }),
    ]);
  });

  it('executions started between pages do not shift the remaining pages', async () => {
    const first = await client().send(new ListExecutionsCommand({ stateMachineArn: machineArn, maxResults: 2 }));
    await start(machineArn, 'b6');

    const second = await client().send(
      new ListExecutionsCommand({ stateMachineArn: machineArn, maxResults: 2, nextToken: first.nextToken }),
    );

    expect(second.executions?.map((execution) => execution.name)).toEqual(['b3', 'b2']);
  });

  it('rejects a forged token as InvalidToken and an unknown machine as StateMachineDoesNotExist', async () => {
    await expect(
      client().send(new ListExecutionsCommand({ stateMachineArn: machineArn, nextToken: 'forged' })),
    ).rejects.toBeInstanceOf(InvalidToken);
    await expect(
      client().send(new ListExecutionsCommand({ stateMachineArn: UNKNOWN_MACHINE_ARN })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });
});

describe('EXPRESS state machines', () => {
  it('give every start a new execution whose ARN carries a random suffix', async () => {
    const machineArn = sfn.createStateMachine('fast', 'EXPRESS');

    const first = await start(machineArn, 'build-1');
    const second = await start(machineArn, 'build-1');

    const expressArn = /^arn:aws:states:us-east-1:123456789012:express:fast:build-1:[0-9a-f-]{36}$/;
    expect(first.executionArn).toMatch(expressArn);
    expect(second.executionArn).toMatch(expressArn);
    expect(second.executionArn).not.toBe(first.executionArn);
    expect(sfn.executions).toHaveLength(2);
  });

  it('do not support ListExecutions or DescribeExecution', async () => {
    const machineArn = sfn.createStateMachine('fast', 'EXPRESS');
    const { executionArn = '' } = await start(machineArn, 'build-1');

    await expect(
      client().send(new ListExecutionsCommand({ stateMachineArn: machineArn })),
    ).rejects.toBeInstanceOf(StateMachineTypeNotSupported);
    await expect(describeExecution(executionArn)).rejects.toBeInstanceOf(InvalidArn);
  });
});

describe('protocol', () => {
  function post(target: string, body: unknown): Promise<Response> {
    return fetch(sfn.endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.0', 'X-Amz-Target': target },
      body: JSON.stringify(body),
    });
  }

  it('answers with JSON 1.0, epoch-second timestamps and a request id', async () => {
    const machineArn = sfn.createStateMachine('deploy');

    const response = await post('AWSStepFunctions.StartExecution', { stateMachineArn: machineArn, name: 'b1', input: '{}' });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as { startDate: unknown };
    expect(body.startDate).toBeTypeOf('number');
    expect(Math.abs((body.startDate as number) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('reports client errors as HTTP 400 with __type and message', async () => {
    const response = await post('AWSStepFunctions.StartExecution', { stateMachineArn: 'bad', name: 'b1' });

    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toEqual({ __type: 'InvalidArn', message: "Invalid Arn: 'bad'" });
  });

  it('reports a missing required member as ValidationException', async () => {
    const response = await post('AWSStepFunctions.StartExecution', { name: 'b1' });

    expect(response.status).toBe(400);
    await expect(response.json()).resolves.toMatchObject({ __type: 'ValidationException' });
  });

  it('answers an operation it does not implement with UnknownOperationException', async () => {
    const refusal = client().send(new ListActivitiesCommand({}));

    await expect(refusal).rejects.toBeInstanceOf(SFNServiceException);
    await expect(refusal).rejects.toMatchObject({
      name: 'UnknownOperationException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    expect(sfn.callCount('ListActivities')).toBe(1);
  });

  it('does not treat Object.prototype members as operations', async () => {
    const response = await post('AWSStepFunctions.toString', {});

    await expect(response.json()).resolves.toMatchObject({ __type: 'UnknownOperationException' });
  });
});

describe('injected faults', () => {
  let machineArn: string;

  beforeEach(() => {
    machineArn = sfn.createStateMachine('deploy');
  });

  it.each([
    ['ExecutionLimitExceeded', ExecutionLimitExceeded],
    ['KmsThrottlingException', KmsThrottlingException],
    ['KmsAccessDeniedException', KmsAccessDeniedException],
    ['KmsInvalidStateException', KmsInvalidStateException],
  ])('%s surfaces as its SDK class and the SDK does not retry it', async (fault, errorClass) => {
    sfn.injectFault({ operation: 'StartExecution', fault });

    const refusal = start(machineArn, 'build-1', INPUT, { maxAttempts: 3 });

    await expect(refusal).rejects.toBeInstanceOf(errorClass);
    await expect(refusal).rejects.toMatchObject({ name: fault, $fault: 'client', $metadata: { attempts: 1 } });
    expect(sfn.callCount('StartExecution')).toBe(1);
    expect(sfn.executions).toHaveLength(0);
  });

  it('ThrottlingException is a 400 the SDK retries, and surfaces once retries run out', async () => {
    sfn.injectFault({ operation: 'StartExecution', fault: 'ThrottlingException', times: 2 });

    const refusal = start(machineArn, 'build-1', INPUT, { maxAttempts: 2 });

    await expect(refusal).rejects.toBeInstanceOf(SFNServiceException);
    await expect(refusal).rejects.toMatchObject({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, attempts: 2 },
    });
    expect(sfn.callCount('StartExecution')).toBe(2);
  });

  it('a 500 is retried by the SDK, which then succeeds', async () => {
    sfn.injectFault({ operation: 'StartExecution', fault: 'InternalServerError' });

    const started = await start(machineArn, 'build-1', INPUT, { maxAttempts: 3 });

    expect(started.executionArn).toMatch(/:execution:deploy:build-1$/);
    expect(sfn.callCount('StartExecution')).toBe(2);
  });

  it('a persistent 503 surfaces as a server fault after every attempt', async () => {
    sfn.injectFault({ operation: 'StartExecution', fault: 'ServiceUnavailable', times: 5 });

    const refusal = start(machineArn, 'build-1', INPUT, { maxAttempts: 3 });

    await expect(refusal).rejects.toMatchObject({
      name: 'ServiceUnavailable',
      $fault: 'server',
      $metadata: { httpStatusCode: 503, attempts: 3 },
    });
    expect(sfn.callCount('StartExecution')).toBe(3);
  });

  it('a fault aimed at one operation leaves the others alone; an unaimed one hits any', async () => {
    sfn.injectFault({ operation: 'StartExecution', fault: 'ExecutionLimitExceeded' });
    sfn.injectFault({ fault: 'KmsAccessDeniedException' });

    await expect(
      client().send(new DescribeStateMachineCommand({ stateMachineArn: machineArn })),
    ).rejects.toBeInstanceOf(KmsAccessDeniedException);
    await expect(start(machineArn, 'build-1')).rejects.toBeInstanceOf(ExecutionLimitExceeded);
    await expect(start(machineArn, 'build-1')).resolves.toHaveProperty('executionArn');
  });

  it('ConnectionReset drops the connection before the operation takes effect', async () => {
    sfn.injectFault({ operation: 'StartExecution', fault: 'ConnectionReset' });

    await expect(start(machineArn, 'build-1')).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect(sfn.executions).toHaveLength(0);
  });

  it('afterApply starts the execution and then loses the response', async () => {
    sfn.injectFault({ operation: 'StartExecution', fault: 'ConnectionReset', afterApply: true });

    await expect(start(machineArn, 'build-1')).rejects.toMatchObject({ code: 'ECONNRESET' });

    expect(sfn.executions).toEqual([expect.objectContaining({ name: 'build-1', status: 'RUNNING' })]);
    const retried = await start(machineArn, 'build-1');
    expect(retried.executionArn).toBe(sfn.executions[0]?.executionArn);
  });

  it('afterApply with SDK retries: the retry lands on the running execution and succeeds', async () => {
    sfn.injectFault({ operation: 'StartExecution', fault: 'ConnectionReset', afterApply: true });

    const started = await start(machineArn, 'build-1', INPUT, { maxAttempts: 2 });

    expect(started.executionArn).toBe(sfn.executions[0]?.executionArn);
    expect(sfn.callCount('StartExecution')).toBe(2);
    expect(sfn.executions).toHaveLength(1);
  });

  it('afterApply with an error code answers the error although the execution started', async () => {
    sfn.injectFault({ operation: 'StartExecution', fault: 'InternalServerError', afterApply: true });

    await expect(start(machineArn, 'build-1')).rejects.toMatchObject({ name: 'InternalServerError', $fault: 'server' });
    expect(sfn.executions).toHaveLength(1);
  });

  it('Timeout never answers, so the client request timeout fires', async () => {
    sfn.injectFault({ operation: 'StartExecution', fault: 'Timeout' });

    const refusal = start(machineArn, 'build-1', INPUT, {
      requestHandler: { requestTimeout: 100, throwOnRequestTimeout: true },
    });

    await expect(refusal).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(sfn.executions).toHaveLength(0);
  });
});

describe('latency', () => {
  it('delays the chosen operation only, or every operation', async () => {
    const machineArn = sfn.createStateMachine('deploy');
    const describeMachine = () => client().send(new DescribeStateMachineCommand({ stateMachineArn: machineArn }));
    await describeMachine(); // warm up the client so the timings below measure the server only

    sfn.setLatency(150, 'StartExecution');
    expect(await elapsedMs(() => start(machineArn, 'build-1'))).toBeGreaterThanOrEqual(140);
    expect(await elapsedMs(describeMachine)).toBeLessThan(100);

    sfn.setLatency(120);
    expect(await elapsedMs(describeMachine)).toBeGreaterThanOrEqual(110);
  });
});

describe('reset', () => {
  it('forgets machines, executions, faults, latencies and call counts', async () => {
    const machineArn = sfn.createStateMachine('deploy');
    await start(machineArn, 'build-1');
    sfn.injectFault({ fault: 'ThrottlingException', times: 10 });
    sfn.setLatency(1000);

    sfn.reset();

    expect(sfn.executions).toHaveLength(0);
    expect(sfn.callCount()).toBe(0);
    await expect(start(machineArn, 'build-1')).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });
});

describe('runner', () => {
  let driven: LocalStepFunctions;
  const runner = vi.fn<ExecutionRunner>();

  beforeAll(async () => {
    driven = await startLocalStepFunctions({ runner });
  });

  afterAll(async () => {
    await driven.close();
  });

  beforeEach(() => {
    driven.reset();
    runner.mockReset();
  });

  async function startDriven(name: string) {
    const machineArn = driven.createStateMachine('deploy');
    const { executionArn = '' } = await clientFor(driven.endpoint).send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name, input: INPUT }),
    );
    return executionArn;
  }

  function describeDriven(executionArn: string) {
    return clientFor(driven.endpoint).send(new DescribeExecutionCommand({ executionArn }));
  }

  it('receives each new execution once and closes it with its outcome', async () => {
    let finish: (outcome: ExecutionOutcome) => void = () => undefined;
    runner.mockReturnValue(new Promise((resolve) => (finish = resolve)));

    const executionArn = await startDriven('build-1');
    await startDriven('build-1'); // the idempotent repeat while RUNNING is not a new execution
    finish({ status: 'SUCCEEDED', output: '{"stack":"done"}' });

    await vi.waitFor(async () => {
      await expect(describeDriven(executionArn)).resolves.toMatchObject({ status: 'SUCCEEDED', output: '{"stack":"done"}' });
    });
    expect(runner).toHaveBeenCalledTimes(1);
    expect(runner).toHaveBeenCalledWith(expect.objectContaining({ executionArn, input: INPUT, status: 'RUNNING' }), expect.any(AbortSignal));
  });

  it('a runner that throws fails the execution with States.Runtime', async () => {
    runner.mockRejectedValue(new Error('engine exploded'));

    const executionArn = await startDriven('build-1');

    await vi.waitFor(async () => {
      await expect(describeDriven(executionArn)).resolves.toMatchObject({
        status: 'FAILED',
        error: 'States.Runtime',
        cause: 'Error: engine exploded',
      });
    });
  });

  it('runs a redriven execution again, telling the runner the state it failed in', async () => {
    runner.mockResolvedValueOnce({ status: 'FAILED', error: 'States.TaskFailed', failedState: 'Deploy' });
    runner.mockResolvedValueOnce({ status: 'SUCCEEDED', output: '{}' });
    const executionArn = await startDriven('build-1');
    await vi.waitFor(async () => expect(await describeDriven(executionArn)).toMatchObject({ status: 'FAILED' }));

    await clientFor(driven.endpoint).send(new RedriveExecutionCommand({ executionArn }));

    await vi.waitFor(async () => expect(await describeDriven(executionArn)).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 }));
    expect(runner).toHaveBeenCalledTimes(2);
    expect(runner).toHaveBeenLastCalledWith(expect.objectContaining({ executionArn, redriveCount: 1, failedState: 'Deploy' }), expect.any(AbortSignal));
  });

  it("aborts the runner's signal on StopExecution, and a stopped run's late outcome never closes the redriven execution", async () => {
    let finishFirst: (outcome: ExecutionOutcome) => void = () => undefined;
    let signal: AbortSignal | undefined;
    runner.mockImplementationOnce((_execution, abortSignal) => {
      signal = abortSignal;
      return new Promise((resolve) => (finishFirst = resolve));
    });
    runner.mockReturnValueOnce(undefined);
    const executionArn = await startDriven('build-1');
    await vi.waitFor(() => expect(runner).toHaveBeenCalledTimes(1));

    await clientFor(driven.endpoint).send(new StopExecutionCommand({ executionArn, error: 'Cancelled' }));
    expect(signal?.aborted).toBe(true);
    await clientFor(driven.endpoint).send(new RedriveExecutionCommand({ executionArn }));
    await vi.waitFor(() => expect(runner).toHaveBeenCalledTimes(2));
    finishFirst({ status: 'SUCCEEDED', output: '{}' });
    await new Promise((resolve) => setTimeout(resolve, 20));

    await expect(describeDriven(executionArn)).resolves.toMatchObject({ status: 'RUNNING', redriveCount: 1 });
  });

  it('a runner that returns nothing leaves the execution RUNNING', async () => {
    runner.mockReturnValue(undefined);

    const executionArn = await startDriven('build-1');
    await vi.waitFor(() => expect(runner).toHaveBeenCalled());

    await expect(describeDriven(executionArn)).resolves.toMatchObject({ status: 'RUNNING' });
  });
});
