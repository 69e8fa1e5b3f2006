export {
  DEFAULT_STATUS_INDEX_NAME,
  DynamoDbBuildRepository,
  type DynamoDbBuildRepositoryOptions,
} from './adapters/driven/dynamodb/dynamodb-build-repository.js';
export {
  DynamoDbIdempotencyStore,
  type DynamoDbIdempotencyStoreOptions,
} from './adapters/driven/dynamodb/dynamodb-idempotency-store.js';
export {
  fromBuildItem,
  isLatestPointerPartition,
  toBuildItem,
  type BuildItem,
  type LatestPointerItem,
} from './adapters/driven/builds-table/build-item.js';
export { dynamoDbModule, type DynamoDbModuleOptions } from './composition/modules/dynamodb.module.js';
