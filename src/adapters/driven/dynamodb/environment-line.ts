import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError, isLatestPointerKey, partitionKeyOf } from '../../../domain/index.js';
import type { EnvironmentLine } from '../../../ports/index.js';
import { requireEnvironment, requireText } from '../arguments.js';
import { fromBuildItem } from '../builds-table/build-item.js';
import { EnvironmentLineCollector, type LineEntry } from '../environment-line-collector.js';
import type { BuildsTable } from './builds-table-access.js';

// The usual line (a few builds waiting behind the newest SUCCESS) fits the first page; a long
// queue, or a `from` far back, reads on in larger pages.
const FIRST_PAGE_SIZE = 10;
const NEXT_PAGE_SIZE = 50;

/** The line, and the raw item at `from` (to tell "no such build" from "does not read as one"). */
export interface LineRead {
  readonly line: EnvironmentLine;
  readonly itemAtFrom?: Record<string, unknown> | undefined;
}

/**
 * An environment's line (see `BuildRepository.readEnvironmentLine`): one
 * strongly consistent query of its partition, newest first, page by page
 * until the newest `SUCCESS` build (and `from`) has been read. Its cost is
 * the builds since the newest `SUCCESS`, never the environment's history.
 */
export class EnvironmentLineReads {
  constructor(private readonly table: BuildsTable) {}

  async readEnvironmentLine(repo: string, env: string, from?: string): Promise<EnvironmentLine> {
    return (await this.read(repo, env, from)).line;
  }

  async read(repo: string, env: string, from?: string): Promise<LineRead> {
    requireEnvironment(repo, env);
    if (from !== undefined) requireText('from', from);
    const pk = partitionKeyOf({ repo, env });
    const collector = new EnvironmentLineCollector(from);
    let itemAtFrom: Record<string, unknown> | undefined;
    let exclusiveStartKey: Record<string, unknown> | undefined;
    let limit = FIRST_PAGE_SIZE;
    do {
      const page = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: limit,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        const sk = String(item.sk);
        // A repo named "latest" (another writer's) shares the latest pointers' partition: they are no builds.
        if (isLatestPointerKey(pk, sk)) continue;
        if (sk === from) itemAtFrom = item;
        if (collector.add(lineEntryOf(item))) return { line: collector.line(), itemAtFrom };
      }
      exclusiveStartKey = page.LastEvaluatedKey;
      limit = NEXT_PAGE_SIZE;
    } while (exclusiveStartKey !== undefined);
    return { line: collector.line(), itemAtFrom };
  }
}

/** An item as a build, or as why it does not read as one (never failing the read). */
function lineEntryOf(item: Record<string, unknown>): LineEntry {
  const sk = String(item.sk);
  try {
    return { sk, build: fromBuildItem(item) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { sk, unreadable: { id: `${String(item.pk)}:${sk}`, reason: error.message } };
  }
}
