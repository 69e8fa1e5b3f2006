export {
  DEFAULT_STATUS_INDEX_NAME,
  DynamoDbBuildRepository,
  type DynamoDbBuildRepositoryOptions,
} from './dynamodb-build-repository.js';
export {
  fromBuildItem,
  isLatestPointerPartition,
  toBuildItem,
  type BuildItem,
  type LatestPointerItem,
} from '../builds-table/build-item.js';
