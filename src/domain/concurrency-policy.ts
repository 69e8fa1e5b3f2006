import * as z from 'zod/mini';
import { ValidationError } from './orchestrator.errors.js';

/**
 * How the deployments of one environment (a repo and env) share it, one
 * policy per deployment of the module:
 *
 * - `queue` (the default): one deployment at a time; waiting builds start one
 *   by one, oldest first (in `sk` order, a KSUID: creation order to the
 *   second, then the rest of the `sk`, the same for every reader). Every
 *   build deploys, except one older than a build that has already deployed.
 * - `supersede`: one deployment at a time; when it ends, only the newest
 *   waiting build starts and each older waiting build ends `FAILED`, naming it
 *   (`supersededBy`). A running deployment is never stopped.
 * - `parallel`: every build starts as soon as it is recorded, as the Go
 *   implementation and 0.2.0 do; two builds of one environment then update
 *   one CloudFormation stack at once and one of them fails.
 */
export const CONCURRENCY_POLICIES = ['queue', 'supersede', 'parallel'] as const;

export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

/** A policy that runs one deployment at a time per environment, on its lock. */
export type LockingPolicy = Exclude<ConcurrencyPolicy, 'parallel'>;

export const DEFAULT_CONCURRENCY_POLICY: ConcurrencyPolicy = 'queue';

const concurrencyPolicySchema = z.enum(CONCURRENCY_POLICIES, { error: `must be one of ${CONCURRENCY_POLICIES.join(', ')}` });

/**
 * Validates a concurrency policy.
 *
 * @throws ValidationError naming `field` (default `concurrency`).
 */
export function parseConcurrencyPolicy(value: unknown, field = 'concurrency'): ConcurrencyPolicy {
  const result = z.safeParse(concurrencyPolicySchema, value);
  if (!result.success) throw new ValidationError(field, `must be one of ${CONCURRENCY_POLICIES.join(', ')}`);
  return result.data;
}

/** Whether the policy runs one deployment at a time per environment. */
export function locksEnvironment(policy: ConcurrencyPolicy): policy is LockingPolicy {
  return policy !== 'parallel';
}
