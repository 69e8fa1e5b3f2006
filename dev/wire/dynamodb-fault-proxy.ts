/**
 * A proxy in front of DynamoDB Local that injects faults at the wire: the
 * real SDK client talks to it as to DynamoDB and sees genuine throttling,
 * 5xx answers, dropped connections, or writes that happened but whose answer
 * was lost (`afterApply`).
 *
 * @example
 * const proxy = await startDynamoDbFaultProxy(inject('dynamodbEndpoint'));
 * const client = dynamoDbClientFor(proxy.endpoint);
 * proxy.injectFault({ operation: 'TransactWriteItems', fault: 'ThrottlingException' });
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WireFaults, sendJson, type FaultInjection } from './wire-faults.js';

const TARGET_PREFIX = 'DynamoDB_20120810.';
const JSON_1_0 = 'application/x-amz-json-1.0';

export interface DynamoDbFaultProxy {
  /** Base URL for `new DynamoDBClient({ endpoint })`. */
  readonly endpoint: string;
  /** Calls received for `operation` (e.g. `TransactWriteItems`), or for all. */
  callCount(operation?: string): number;
  injectFault(injection: FaultInjection): void;
  setLatency(ms: number, operation?: string): void;
  /** Forgets faults, latencies and call counts. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a fault-injecting proxy to `upstream` on 127.0.0.1 with an ephemeral port. */
export async function startDynamoDbFaultProxy(upstream: string): Promise<DynamoDbFaultProxy> {
  // DynamoDB names its errors with the service namespace; the SDK strips it.
  const faults = new WireFaults((code) => `com.amazonaws.dynamodb.v20120810#${code}`);
  const server: Server = createServer((request, response) => {
    relay(request, response).catch(() => response.destroy());
  });

  async function relay(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const target = request.headers['x-amz-target'];
    const operation = typeof target === 'string' ? target.replace(TARGET_PREFIX, '') : '';
    const fault = await faults.arrive(operation);
    if (fault !== undefined && !fault.afterApply) {
      faults.deliver(fault, response, JSON_1_0);
      return;
    }
    const upstreamResponse = await fetch(upstream, {
      method: 'POST',
      headers: forwardedHeaders(request),
      body,
    });
    const answer = await upstreamResponse.text();
    if (fault !== undefined) {
      faults.deliver(fault, response, JSON_1_0);
      return;
    }
    sendJson(response, upstreamResponse.status, JSON.parse(answer === '' ? '{}' : answer), JSON_1_0);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    callCount: (operation) => faults.callCount(operation),
    injectFault: (injection) => faults.inject(injection),
    setLatency: (ms, operation) => faults.setLatency(ms, operation),
    reset: () => faults.reset(),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function forwardedHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    // fetch sets its own host and length; DynamoDB Local does not check signatures.
    if (typeof value === 'string' && name !== 'host' && name !== 'content-length' && name !== 'connection') {
      headers[name] = value;
    }
  }
  return headers;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
