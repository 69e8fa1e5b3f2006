/**
 * Every error code this package throws, with the class that carries it and
 * what it means: one place to read them all, and the source of stable problem
 * types (RFC 9457) for an HTTP API. Plain data: a code listed here is never
 * renamed nor given another meaning; a test holds every error class's `code`
 * to this list, both ways.
 */
export interface ErrorCatalogueEntry {
  /** The class that carries the code; its `name` and stable name are the same literal. */
  readonly className: string;
  /** What the code means, in one line. */
  readonly meaning: string;
}

export const ERROR_CATALOGUE = {
  VALIDATION_ERROR: {
    className: 'ValidationError',
    meaning: 'A value breaks a rule of the module (`field` names it); nothing was started or written.',
  },
  BUILD_NOT_FOUND: {
    className: 'BuildNotFoundError',
    meaning: 'The build does not exist.',
  },
  BUILD_UNREADABLE: {
    className: 'BuildUnreadableError',
    meaning: "The build's record exists but does not read as a build; the message names the attribute.",
  },
  BUILD_ALREADY_EXISTS: {
    className: 'BuildAlreadyExistsError',
    meaning: 'A build with this key was already recorded; the error carries the record found.',
  },
  ILLEGAL_TRANSITION: {
    className: 'IllegalTransitionError',
    meaning: 'The transition table forbids the status change (e.g. the build records another execution).',
  },
  BUILD_ITEM_TOO_LARGE: {
    className: 'BuildRecordTooLargeError',
    meaning: "The build's record would pass the store's size limit, even in the smallest form of the write.",
  },
  STATUS_INDEX_MISSING: {
    className: 'BuildsByStatusUnavailableError',
    meaning: 'The build store cannot list builds by status; the sweep falls back to recent executions.',
  },
  EXECUTION_START_PERMANENT: {
    className: 'PermanentExecutionStartError',
    meaning: 'The execution cannot be started and retrying cannot help: the build is recorded FAILED with the reason.',
  },
  EXECUTION_START_TRANSIENT: {
    className: 'TransientExecutionStartError',
    meaning: 'The execution could not be started this time: the build stays PENDING and the start is tried again.',
  },
  INVALID_ENVIRONMENT_VARIABLE: {
    className: 'EnvironmentVariableError',
    meaning: 'A Lambda environment variable is missing or invalid; the message names it.',
  },
  MISSING_BINDING: {
    className: 'MissingBindingError',
    meaning: 'A container or module was built without a port a service needs; the message names the token and who needs it.',
  },
  ENVIRONMENT_BUSY: {
    className: 'EnvironmentBusyError',
    meaning: "Another build holds the environment's lock (queue or supersede): the build stays PENDING and starts in its turn.",
  },
  NOTHING_TO_ROLL_BACK_TO: {
    className: 'NothingToRollBackToError',
    meaning: 'The environment has no earlier deployed version to roll back to, or the build named never deployed or is the version deployed now.',
  },
  NOT_REDRIVABLE: {
    className: 'NotRedrivableError',
    meaning: "The build's execution cannot be redriven: Step Functions refuses it, or a newer build of the environment has started since.",
  },
  IDEMPOTENCY_KEY_REUSED: {
    className: 'IdempotencyKeyReusedError',
    meaning: 'The idempotency key was used by the same caller for another request of the same operation; nothing was done.',
  },
  IDEMPOTENCY_REQUEST_IN_PROGRESS: {
    className: 'IdempotentRequestInProgressError',
    meaning: "The first request with this idempotency key is still running; retry to get its result.",
  },
  TABLE_NOT_FOUND: {
    className: 'BuildsTableNotFoundError',
    meaning: 'The CLI found no builds table of that name where it looked (or it is not ACTIVE).',
  },
} as const satisfies Readonly<Record<string, ErrorCatalogueEntry>>;

/** A code of {@link ERROR_CATALOGUE}. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;
