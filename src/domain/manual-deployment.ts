import { buildIdOf, type BuildKey } from './build-key.js';
import { boundErrorMessage, type Build, type NewBuild } from './build.js';
import type { DeploymentKind } from './deployment-kind.js';
import { withoutUndefined } from './without-undefined.js';

/**
 * The new build that deploys `source`'s version again: its `branch`,
 * `version`, `commitHash`, `buildNumber` and `stackName`, under the new key
 * `sk` (a new KSUID, so it sorts after every build recorded before it),
 * naming what it deploys again and who asked. It is recorded `PENDING` and
 * started only as any new build is (the stream's trigger-build or the
 * sweeper), so it waits its turn and obeys the environment's policy.
 */
export function redeploymentOf(source: Build, kind: DeploymentKind, sk: string, requestedBy?: string): NewBuild {
  return withoutUndefined({
    repo: source.repo,
    env: source.env,
    sk,
    branch: source.branch,
    version: source.version,
    commitHash: source.commitHash,
    buildNumber: source.buildNumber,
    stackName: source.stackName,
    kind,
    redeployOf: buildIdOf(source),
    requestedBy,
  });
}

/**
 * Why an environment has nothing to roll back to, or `undefined` and the
 * build a rollback deploys again: the newest `SUCCESS` build older than the
 * environment's newest `SUCCESS` whose `version` differs from it (a redeploy
 * or a rollback counts as the version it deployed: it carries it).
 *
 * @param successes The environment's `SUCCESS` builds, newest first (more
 *   may follow: the search stops at the first that fits).
 */
export async function rollbackTargetIn(
  successes: Iterable<Build> | AsyncIterable<Build>,
): Promise<{ readonly target: Build; readonly current: Build } | { readonly target?: undefined; readonly reason: string }> {
  let current: Build | undefined;
  for await (const build of successes) {
    if (current === undefined) current = build;
    else if (build.version !== current.version) return { target: build, current };
  }
  if (current === undefined) return { reason: 'no build of it has ever deployed (none ended SUCCESS)' };
  return { reason: `every build that deployed before ${buildIdOf(current)} has its version ${current.version}` };
}

/**
 * Why `target` cannot be rolled back to (the build named by `--to`), or
 * `undefined` when it can: it must have deployed (`SUCCESS`), and its
 * version must not be the one deployed now (`current`, the environment's
 * newest `SUCCESS`).
 */
export function whyNotRollbackTarget(target: Build, current: Build | undefined): string | undefined {
  if (target.status !== 'SUCCESS') return `${buildIdOf(target)} never deployed (it is ${target.status})`;
  if (current !== undefined && current.version === target.version) {
    return `${buildIdOf(target)} has version ${target.version}, the version deployed now (by ${buildIdOf(current)})`;
  }
  return undefined;
}

/** The reason a cancelled build ends with. */
export function cancellationReason(cancelledBy: string | undefined): string {
  return boundErrorMessage(`cancelled by ${cancelledBy ?? 'an unnamed caller'}`);
}

/** The reason a waiting build ends with when a rollback replaces it. */
export function rolledBackOverReason(rollback: BuildKey, requestedBy: string | undefined): string {
  return boundErrorMessage(
    `Not deployed: the rollback ${buildIdOf(rollback)}${requestedBy === undefined ? '' : ` asked by ${requestedBy}`} deploys in its place. ` +
      'To deploy this version on purpose, create a new build of it.',
  );
}
