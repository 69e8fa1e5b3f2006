import { ContainerModule } from 'inversify';
import type { InversifyContainerModule } from './container-module-type.js';
import { DynamoDbBuildRepository, type DynamoDbBuildRepositoryOptions } from '../../adapters/driven/dynamodb/dynamodb-build-repository.js';
import { TOKENS } from '../tokens.js';

/** What `dynamoDbModule` builds the repository with: a document client you own, the table, its status index. */
export type DynamoDbModuleOptions = DynamoDbBuildRepositoryOptions;

/**
 * Binds `TOKENS.BuildRepository` to a {@link DynamoDbBuildRepository} on the
 * builds table. The options are checked when the module is made: a bad table
 * or index name throws a `ValidationError` naming it.
 *
 * @example
 * ```ts
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
 * import { dynamoDbModule } from '@aws-deployer/orchestrator/dynamodb';
 *
 * container.load(dynamoDbModule({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: 'prd-aws-deployer--builds' }));
 * ```
 */
export function dynamoDbModule(options: DynamoDbModuleOptions): InversifyContainerModule {
  const repository = new DynamoDbBuildRepository(options);
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.BuildRepository).toConstantValue(repository);
  });
}
