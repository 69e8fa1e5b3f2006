import { BuildsTableNotFoundError, AwsProblemError, restateAwsError } from '../aws-problems.js';
import { UsageError } from '../args.js';
import type { CommandContext } from '../command.js';

/**
 * Who runs the command (the services' `whoAmI`: the credentials' ARN from
 * `sts:GetCallerIdentity`, or `local` against a table that is not on AWS).
 * When it cannot be told, the command stops there, before anything is
 * written: the error says that STS failed, why (restated as any AWS problem,
 * exit 4; a missing region is a usage error, exit 2), and what `purpose`
 * the identity was for. Nothing is made up in its place.
 */
export async function callerOf(context: CommandContext, purpose: string): Promise<string> {
  try {
    return await context.services().whoAmI();
  } catch (error) {
    const what = `Could not tell who is asking (sts:GetCallerIdentity, ${purpose})`;
    const restated = restateAwsError(error, context.connection, context.io.env);
    if (restated instanceof UsageError) throw new UsageError(`${what}: ${restated.message}`);
    if (restated instanceof AwsProblemError) throw new AwsProblemError(restated.code, `${what}: ${restated.message}`, { cause: error });
    const detail = restated instanceof BuildsTableNotFoundError || restated === undefined ? messageOf(error) : restated.message;
    throw new AwsProblemError('AWS_ERROR', `${what}: ${detail}`, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
