// The stand-ins for AWS (the DynamoDB fault proxy and the local Step Functions
// endpoint) in a process of their own, so their CPU is not spent on the event
// loop of the handler being measured: in AWS, the services run elsewhere.
//
// Child side: run by `startAwsEndpointsProcess` (fork), answers its messages.
import { fork, type ChildProcess } from 'node:child_process';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../dev/local-sfn/local-sfn-server.js';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../../dev/wire/dynamodb-fault-proxy.js';

type Service = 'dynamodb' | 'sfn';

type Ask =
  | { readonly type: 'setLatency'; readonly service: Service; readonly ms: number; readonly operation?: string }
  | { readonly type: 'callCount'; readonly service: Service; readonly operation?: string }
  | { readonly type: 'createStateMachine'; readonly name: string };

type Request = Ask & { readonly id: number };

interface Reply {
  readonly id: number;
  readonly value?: unknown;
  readonly error?: string;
}

/** The endpoints, driven from the parent process. */
export interface AwsEndpointsProcess {
  /** The child's process id (its CPU is read from /proc). */
  readonly pid: number | undefined;
  readonly dynamoDbEndpoint: string;
  readonly stepFunctionsEndpoint: string;
  setLatency(service: Service, ms: number, operation?: string): Promise<void>;
  callCount(service: Service, operation?: string): Promise<number>;
  createStateMachine(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Forks this file with tsx; its DynamoDB proxy forwards to `dynamoDbUpstream`. */
export async function startAwsEndpointsProcess(dynamoDbUpstream: string): Promise<AwsEndpointsProcess> {
  const child = fork(import.meta.filename, [dynamoDbUpstream], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ dynamoDbEndpoint: string; stepFunctionsEndpoint: string }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { dynamoDbEndpoint: string; stepFunctionsEndpoint: string }));
    child.once('exit', (code) => reject(new Error(`the AWS endpoints process exited (${code}) before it was ready`)));
  });
  let nextId = 0;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: Reply) => {
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiting?.reject(new Error(message.error));
    else waiting?.resolve(message.value);
  });
  const ask = <T>(request: Ask): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = (nextId += 1);
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...request, id });
    });
  return {
    ...ready,
    pid: child.pid,
    setLatency: (service, ms, operation) => ask({ type: 'setLatency', service, ms, ...(operation === undefined ? {} : { operation }) }),
    callCount: (service, operation) => ask({ type: 'callCount', service, ...(operation === undefined ? {} : { operation }) }),
    createStateMachine: (name) => ask({ type: 'createStateMachine', name }),
    close: () => stop(child),
  };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}

async function serve(dynamoDbUpstream: string): Promise<void> {
  const proxy: DynamoDbFaultProxy = await startDynamoDbFaultProxy(dynamoDbUpstream);
  const sfn: LocalStepFunctions = await startLocalStepFunctions();
  const of = (service: Service) => (service === 'dynamodb' ? proxy : sfn);
  const answer = (request: Request): unknown => {
    switch (request.type) {
      case 'setLatency':
        return of(request.service).setLatency(request.ms, request.operation);
      case 'callCount':
        return of(request.service).callCount(request.operation);
      case 'createStateMachine':
        return sfn.createStateMachine(request.name);
    }
  };
  process.on('message', (request: Request) => {
    try {
      process.send?.({ id: request.id, value: answer(request) });
    } catch (error) {
      process.send?.({ id: request.id, error: String(error) });
    }
  });
  process.once('SIGTERM', () => {
    void Promise.all([proxy.close(), sfn.close()]).then(() => process.exit(0));
  });
  process.send?.({ dynamoDbEndpoint: proxy.endpoint, stepFunctionsEndpoint: sfn.endpoint });
}

if (process.send !== undefined && process.argv[2] !== undefined && import.meta.filename === process.argv[1]) await serve(process.argv[2]);
