import { inject, injectable } from 'inversify';
import { IllegalTransitionError, buildIdOf, type BuildKey, type BuildStatus, type Completion } from '../domain/index.js';
import type { BuildRepository, Clock, CompletionRecord, Logger } from '../ports/index.js';
import { TOKENS } from './di-tokens.js';

export type CompletionResult =
  | CompletionRecord
  /** The build had already ended otherwise; first writer wins and nothing changed. */
  | { readonly outcome: 'refused'; readonly status: BuildStatus; readonly reason: string };

/**
 * The update-build-status use case: record how a build's execution ended.
 * Idempotent, and never moves a build backwards: a completion that conflicts
 * with one already recorded is refused and reported, not thrown.
 *
 * @example
 * ```ts
 * const completions = container.get(RecordCompletionService);
 * await completions.record({ repo: 'myapp', env: 'prd', sk }, { status: 'FAILED', errorMsg: 'stack rolled back' });
 * ```
 */
@injectable()
export class RecordCompletionService {
  constructor(
    @inject(TOKENS.BuildRepository) private readonly builds: BuildRepository,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  async record(key: BuildKey, completion: Completion): Promise<CompletionResult> {
    const buildId = buildIdOf(key);
    try {
      const record = await this.builds.recordCompletion(key, completion, this.clock.now());
      this.logger.info('Build completion recorded', { buildId, outcome: record.outcome, status: record.status });
      return record;
    } catch (error) {
      if (!(error instanceof IllegalTransitionError)) throw error;
      this.logger.warn('Build completion refused', { buildId, status: error.existing.status, requested: completion.status });
      return { outcome: 'refused', status: error.existing.status, reason: error.message };
    }
  }
}
