import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { ValidationError } from '../domain/orchestrator.errors.js';
import { DEFAULT_STATUS_INDEX_NAME, INDEX_NAME_PATTERN } from './handler-facts.js';

export interface BuildsTableProps {
  /**
   * The table's name; the Go deployer's is `{env}-aws-deployer--builds`.
   *
   * @default - a name CloudFormation generates
   */
  readonly tableName?: string;
  /** @default 'status-updated_at-index' */
  readonly statusIndexName?: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A new builds table shaped as the Go deployer's,
 * for a deployment that has none: `pk` and `sk` (S), on-demand, a stream
 * with new and old images for trigger-build, point-in-time recovery, and the
 * status index the sweeper reads (`status` S, `updated_at` N, all
 * attributes). Kept when the stack is deleted, unless told otherwise.
 *
 * @example
 * ```ts
 * const builds = new BuildsTable(this, 'Builds', { tableName: 'dev-aws-deployer--builds' });
 * new BuildOrchestrator(this, 'Orchestrator', { table: builds.table, statusIndexName: builds.statusIndexName, stateMachine, artifactsBucket });
 * ```
 */
export class BuildsTable extends Construct {
  readonly table: Table;
  /** The status index, to give `BuildOrchestrator` as `statusIndexName`. */
  readonly statusIndexName: string;

  constructor(scope: Construct, id: string, props: BuildsTableProps = {}) {
    super(scope, id);
    this.statusIndexName = props.statusIndexName ?? DEFAULT_STATUS_INDEX_NAME;
    if (!INDEX_NAME_PATTERN.test(this.statusIndexName)) throw new ValidationError('statusIndexName', 'must be 3-255 of A-Z a-z 0-9 _ . -');
    this.table = new Table(this, 'Table', {
      ...(props.tableName === undefined ? {} : { tableName: props.tableName }),
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: this.statusIndexName,
      partitionKey: { name: 'status', type: AttributeType.STRING },
      sortKey: { name: 'updated_at', type: AttributeType.NUMBER },
      projectionType: ProjectionType.ALL,
    });
  }
}
