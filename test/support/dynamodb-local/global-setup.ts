// Vitest globalSetup for the integration project: one DynamoDB Local for the
// whole run. Test files share it and isolate themselves by table name
// (uniqueTableName), so they can run in parallel.
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../../dev/dynamodb-local/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamodb = await startDynamoDbLocal();
  project.provide('dynamodbEndpoint', dynamodb.endpoint);
  return () => dynamodb.stop();
}
