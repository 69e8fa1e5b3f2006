import { boundErrorMessage } from '../../../domain/index.js';
import type { BuildItem } from '../builds-table/build-item.js';

/** The attribute a refused redriven success leaves on a FAILED build until its end is recorded. */
export const REDRIVE_MARK = 'redrive_pending_since' satisfies keyof BuildItem;

/**
 * The start claim's attribute (the latest attempt's id), not a Go attribute.
 * Every end removes it: the claim ends with the build, and on an item near
 * 400 KB its room goes to the end's reason.
 */
export const START_ATTEMPT = 'start_attempt';

// An error_msg cut to this many characters when the whole one does not fit the item.
const SHORT_ERROR_MESSAGE_LENGTH = 256;
// The reason a FAILED build keeps when not even the short one fits: a failure always says something.
export const REASON_DID_NOT_FIT = 'reason left out: the item is at the 400 KB limit';
// The fewest words that still explain a failure, for an item with room for little more than the status.
export const REASON_AT_THE_LIMIT = 'item at the 400 KB limit';

/** One form of an end's reason: the `error_msg` written (none: removed) and whether `finished_at` is set. */
export interface ReasonForm {
  readonly errorMsg?: string;
  readonly finishedAt: boolean;
}

/**
 * The forms an end takes, each tried only if the one before did not fit the
 * item (DynamoDB's 400 KB limit): the reason as given, cut short, a few words
 * saying it did not fit, fewer words without `finished_at`, then no reason,
 * then no `finished_at` either. The status must land; a FAILED build says
 * something while it can.
 */
export function reasonForms(errorMsg: string | undefined): ReasonForm[] {
  const forms: ReasonForm[] = [];
  if (errorMsg !== undefined) {
    forms.push({ errorMsg, finishedAt: true });
    if (errorMsg.length > SHORT_ERROR_MESSAGE_LENGTH) forms.push({ errorMsg: boundErrorMessage(errorMsg, SHORT_ERROR_MESSAGE_LENGTH), finishedAt: true });
    if (errorMsg.length > REASON_DID_NOT_FIT.length) forms.push({ errorMsg: REASON_DID_NOT_FIT, finishedAt: true });
    if (errorMsg.length > REASON_AT_THE_LIMIT.length) forms.push({ errorMsg: REASON_AT_THE_LIMIT, finishedAt: false });
  }
  forms.push({ finishedAt: true }, { finishedAt: false });
  return forms;
}
