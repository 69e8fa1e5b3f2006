import {
  EnvironmentBusyError,
  IdempotentRequestInProgressError,
  IllegalTransitionError,
  NothingToRollBackToError,
  NotRedrivableError,
  OrchestratorError,
  ValidationError,
  buildIdOf,
  environmentIdOf,
  holderIdOf,
} from '../../../domain/index.js';
import { PROGRAM, UsageError } from './args.js';
import { AwsProblemError } from './aws-problems.js';
import type { CliIo } from './io.js';
import { toJson } from './format.js';

/**
 * Where each kind of output goes. stdout carries only the result: one JSON
 * document with `--json`, text otherwise. Errors go to stderr; progress goes
 * to stdout as text, or to stderr as JSON lines with `--json`.
 */
export class Output {
  constructor(
    private readonly io: CliIo,
    readonly json: boolean,
  ) {}

  result(document: unknown, text: string): void {
    this.io.stdout.write(this.json ? toJson(document) : text);
  }

  progress(event: Readonly<Record<string, unknown>>, text: string): void {
    if (this.json) this.io.stderr.write(`${JSON.stringify(event)}\n`);
    else this.io.stdout.write(text);
  }

  error(error: unknown, command?: string): void {
    if (this.json) {
      this.io.stderr.write(`${JSON.stringify({ error: errorDocument(error) })}\n`);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.io.stderr.write(`${PROGRAM}: ${message}\n`);
    if (error instanceof UsageError || error instanceof ValidationError) {
      const help = command ? `${PROGRAM} ${command} --help` : `${PROGRAM} --help`;
      this.io.stderr.write(`Run '${help}' for usage.\n`);
    }
  }
}

function errorDocument(error: unknown): Record<string, unknown> {
  if (error instanceof ValidationError) {
    return { code: error.code, field: error.field, message: error.message };
  }
  if (error instanceof UsageError) return { code: 'USAGE', message: error.message };
  if (error instanceof OrchestratorError) return { code: error.code, message: error.message, ...detailsOf(error) };
  if (error instanceof AwsProblemError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: error.name, message: error.message };
  return { code: 'UNKNOWN', message: String(error) };
}

/** What a refusal of a manual deployment adds to `code` and `message`: what a script acts on. */
function detailsOf(error: OrchestratorError): Record<string, unknown> {
  if (error instanceof IllegalTransitionError) return { buildId: buildIdOf(error.existing), status: error.existing.status };
  if (error instanceof NotRedrivableError) return { buildId: buildIdOf(error.build), reason: error.reason };
  if (error instanceof NothingToRollBackToError) return { environment: environmentIdOf(error.environment), reason: error.reason };
  if (error instanceof EnvironmentBusyError) return { buildId: error.buildId, heldBy: holderIdOf(error.lock) };
  if (error instanceof IdempotentRequestInProgressError) return { retryAfter: error.retryAfter.toISOString() };
  return {};
}
