// Items exactly as the Go implementation writes them into the builds table
// (DESIGN "DynamoDB facts"): raw AttributeValue maps, the attributes of Go's
// record type with their DynamoDB types (`build_number` is S, the timestamps
// are N in epoch seconds), and every attribute tagged `omitempty`, so an
// empty string or a zero number is left out of the item.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { BuildStatus } from '../../../src/index.js';

export type RawItem = Record<string, AttributeValue>;

/** 2026-01-01T00:00:00Z in epoch seconds, the unit Go writes (`time.Now().Unix()`). */
export const GO_EPOCH_SECONDS = 1_767_225_600;

/** Every attribute of Go's build record with its AttributeValue type. */
export const GO_BUILD_ITEM_TYPES = {
  pk: 'S',
  sk: 'S',
  repo: 'S',
  env: 'S',
  build_number: 'S',
  branch: 'S',
  version: 'S',
  commit_hash: 'S',
  status: 'S',
  stack_name: 'S',
  execution_arn: 'S',
  error_msg: 'S',
  created_at: 'N',
  updated_at: 'N',
  finished_at: 'N',
} as const;

export type GoBuildAttribute = keyof typeof GO_BUILD_ITEM_TYPES;

/** The fields of Go's build record; `""` and `0` are Go's zero values, which `omitempty` leaves out. */
export interface GoBuildRecord {
  repo: string;
  env: string;
  sk: string;
  buildNumber: string;
  branch: string;
  version: string;
  commitHash: string;
  status: BuildStatus | '';
  stackName: string;
  executionArn: string;
  errorMsg: string;
  createdAt: number;
  updatedAt: number;
  finishedAt: number;
}

/**
 * A build item as Go's create writes it, then as its later updates leave it:
 * `version` is `{build_number}.{commit_hash}`, `stack_name` is `{env}-{repo}`,
 * `created_at = updated_at`. Give a field `""` or `0` to have Go leave it out.
 */
export function aGoBuildItem(fields: Partial<GoBuildRecord> & Pick<GoBuildRecord, 'repo' | 'env' | 'sk'>): RawItem {
  const buildNumber = fields.buildNumber ?? '123';
  const commitHash = fields.commitHash ?? 'abc123';
  const createdAt = fields.createdAt ?? GO_EPOCH_SECONDS;
  return goItemOf({
    branch: 'main',
    version: `${buildNumber}.${commitHash}`,
    status: 'PENDING',
    stackName: `${fields.env}-${fields.repo}`,
    executionArn: '',
    errorMsg: '',
    finishedAt: 0,
    ...fields,
    buildNumber,
    commitHash,
    createdAt,
    updatedAt: fields.updatedAt ?? createdAt,
  });
}

/** Exactly the item Go marshals from a record: empty strings and zero numbers left out (`omitempty`). */
export function goItemOf(record: GoBuildRecord): RawItem {
  const item: RawItem = { pk: { S: `${record.repo}/${record.env}` }, sk: { S: record.sk } };
  const strings: Array<[GoBuildAttribute, string]> = [
    ['repo', record.repo],
    ['env', record.env],
    ['build_number', record.buildNumber],
    ['branch', record.branch],
    ['version', record.version],
    ['commit_hash', record.commitHash],
    ['status', record.status],
    ['stack_name', record.stackName],
    ['execution_arn', record.executionArn],
    ['error_msg', record.errorMsg],
  ];
  for (const [name, value] of strings) if (value !== '') item[name] = { S: value };
  const numbers: Array<[GoBuildAttribute, number]> = [
    ['created_at', record.createdAt],
    ['updated_at', record.updatedAt],
    ['finished_at', record.finishedAt],
  ];
  for (const [name, value] of numbers) if (value !== 0) item[name] = { N: String(value) };
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
