// Items exactly as the Go implementation writes them into the builds table:
// raw AttributeValue maps, snake_case names, epoch seconds as `N`, optional
// attributes left out when Go has nothing to say (`omitempty`).
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { BuildStatus } from '../../../src/index.js';

export type RawItem = Record<string, AttributeValue>;

/** 2026-01-01T00:00:00Z in epoch seconds, the unit Go writes (`time.Now().Unix()`). */
export const GO_EPOCH_SECONDS = 1_767_225_600;

export interface GoBuildItemFields {
  repo: string;
  env: string;
  sk: string;
  status?: BuildStatus;
  branch?: string;
  version?: string;
  commitHash?: string;
  buildNumber?: number;
  stackName?: string;
  executionArn?: string;
  errorMsg?: string;
  createdAt?: number;
  updatedAt?: number;
  finishedAt?: number;
}

/**
 * A build item as Go writes it. Optional attributes appear only when given,
 * as Go's `omitempty` leaves them out.
 */
export function aGoBuildItem(fields: GoBuildItemFields): RawItem {
  const createdAt = fields.createdAt ?? GO_EPOCH_SECONDS;
  const item: RawItem = {
    pk: { S: `${fields.repo}/${fields.env}` },
    sk: { S: fields.sk },
    repo: { S: fields.repo },
    env: { S: fields.env },
    branch: { S: fields.branch ?? 'main' },
    version: { S: fields.version ?? '1.2.3' },
    commit_hash: { S: fields.commitHash ?? 'abc123' },
    status: { S: fields.status ?? 'PENDING' },
    created_at: { N: String(createdAt) },
    updated_at: { N: String(fields.updatedAt ?? createdAt) },
  };
  if (fields.buildNumber !== undefined) item.build_number = { N: String(fields.buildNumber) };
  if (fields.stackName !== undefined) item.stack_name = { S: fields.stackName };
  if (fields.executionArn !== undefined) item.execution_arn = { S: fields.executionArn };
  if (fields.errorMsg !== undefined) item.error_msg = { S: fields.errorMsg };
  if (fields.finishedAt !== undefined) item.finished_at = { N: String(fields.finishedAt) };
  return item;
}

/** The "latest" pointer of one repo in one env as Go writes it. */
export function aGoLatestPointerItem(fields: {
  repo: string;
  env: string;
  sk: string;
  status?: BuildStatus;
  updatedAt?: number;
}): RawItem {
  return {
    pk: { S: `latest/${fields.env}` },
    sk: { S: `${fields.repo}/${fields.env}` },
    id: { S: `${fields.repo}/${fields.env}:${fields.sk}` },
    repo: { S: fields.repo },
    env: { S: fields.env },
    status: { S: fields.status ?? 'PENDING' },
    updated_at: { N: String(fields.updatedAt ?? GO_EPOCH_SECONDS) },
  };
}

/** `{ name: 'S' | 'N' | ... }` for every attribute: the shape a reader in another language relies on. */
export function attributeTypesOf(item: RawItem): Record<string, string> {
  return Object.fromEntries(Object.entries(item).map(([name, value]) => [name, Object.keys(value).join('+')]));
}
