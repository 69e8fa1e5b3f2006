import type { Build } from '../../domain/index.js';
import { withoutUndefined } from '../../domain/without-undefined.js';
import type { EnvironmentLine, UnreadableBuild } from '../../ports/index.js';
import { compareUtf8 } from './paging.js';

/** One item of an environment's partition, read newest first: a build, or why it does not read as one. */
export type LineEntry = { readonly sk: string; readonly build: Build } | { readonly sk: string; readonly unreadable: UnreadableBuild };

/**
 * Builds an environment's line (see {@link EnvironmentLine}) from its items,
 * fed newest first: the same for every adapter, so they cannot drift. The
 * line is complete once the newest `SUCCESS` build has been read and, with
 * `from`, an item at or older than `from` (string order is UTF-8 order, as
 * DynamoDB's); items after that are not fed.
 */
export class EnvironmentLineCollector {
  private build: Build | undefined;
  private newestSuccess: Build | undefined;
  private readonly waiting: Build[] = [];
  private readonly running: Build[] = [];
  private readonly unreadable: UnreadableBuild[] = [];
  private reachedFrom: boolean;

  constructor(private readonly from: string | undefined) {
    this.reachedFrom = from === undefined;
  }

  /** Whether the line needs no more items. */
  get complete(): boolean {
    return this.newestSuccess !== undefined && this.reachedFrom;
  }

  /** Takes the next item (older than every one before); answers whether the line is now complete. */
  add(entry: LineEntry): boolean {
    if (this.from !== undefined && compareUtf8(entry.sk, this.from) <= 0) this.reachedFrom = true;
    if ('unreadable' in entry) {
      this.unreadable.push(entry.unreadable);
      return this.complete;
    }
    const { build } = entry;
    if (build.sk === this.from) this.build = build;
    if (this.newestSuccess === undefined) {
      if (build.status === 'SUCCESS') this.newestSuccess = build;
      else if (build.status === 'PENDING') this.waiting.push(build);
      else if (build.status === 'IN_PROGRESS') this.running.push(build);
    }
    return this.complete;
  }

  /** The line read so far (all of it once `complete`, or when the partition ended). */
  line(): EnvironmentLine {
    return withoutUndefined({
      build: this.build,
      newestSuccess: this.newestSuccess,
      // Read newest first; the line lists them oldest first.
      waiting: [...this.waiting].reverse(),
      running: [...this.running].reverse(),
      unreadable: this.unreadable.length > 0 ? [...this.unreadable] : undefined,
    });
  }
}
