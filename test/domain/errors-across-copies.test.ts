// The package ships two copies of every class (ESM in dist/, CommonJS in
// dist/cjs), and a process can load both: an error thrown by one copy must be
// `instanceof` the other copy's classes. Here the same source files are
// loaded twice, as two distinct module instances (the query string makes a
// separate module), and nothing is built.
import { describe, expect, it } from 'vitest';
import type * as ErrorsModule from '../../src/domain/orchestrator.errors.js';
import type * as BuildErrorsModule from '../../src/domain/build.errors.js';
import type * as StartErrorsModule from '../../src/domain/execution-start.errors.js';
import { aBuildKey } from '../support/mothers/build.mother.js';

interface Copy {
  readonly errors: typeof ErrorsModule;
  readonly buildErrors: typeof BuildErrorsModule;
  readonly startErrors: typeof StartErrorsModule;
}

async function loadCopy(copy: string): Promise<Copy> {
  const load = (file: string): Promise<unknown> => import(/* @vite-ignore */ `../../src/domain/${file}?copy=${copy}`);
  return {
    errors: (await load('orchestrator.errors.ts')) as typeof ErrorsModule,
    buildErrors: (await load('build.errors.ts')) as typeof BuildErrorsModule,
    startErrors: (await load('execution-start.errors.ts')) as typeof StartErrorsModule,
  };
}

/** `instanceof` as the language does it without `Symbol.hasInstance`: the prototype chain alone. */
function onPrototypeChain(value: unknown, errorClass: abstract new (...args: never[]) => unknown): boolean {
  return Function.prototype[Symbol.hasInstance].call(errorClass, value);
}

const A = await loadCopy('1');
const B = await loadCopy('2');

describe('instanceof across two copies of the module', () => {
  it('loads two distinct copies of each class, which the prototype chain alone cannot relate', () => {
    expect(A.errors.ValidationError).not.toBe(B.errors.ValidationError);
    expect(A.errors.OrchestratorError).not.toBe(B.errors.OrchestratorError);
    expect(A.startErrors.ExecutionStartError).not.toBe(B.startErrors.ExecutionStartError);
    expect(onPrototypeChain(new A.errors.ValidationError('repo', 'must not be empty'), B.errors.ValidationError)).toBe(false);
    expect(onPrototypeChain(new A.errors.ValidationError('repo', 'must not be empty'), B.errors.OrchestratorError)).toBe(false);
  });

  it("holds an error of copy A to copy B's class and to B's base class", () => {
    const error = new A.errors.ValidationError('repo', 'must not be empty');
    expect(error instanceof B.errors.ValidationError).toBe(true);
    expect(error instanceof B.errors.OrchestratorError).toBe(true);
    expect(error).toBeInstanceOf(B.errors.ValidationError);
  });

  it("never mistakes one error for another class of the other copy", () => {
    const notFound = new A.buildErrors.BuildNotFoundError(aBuildKey());
    expect(notFound instanceof B.errors.ValidationError).toBe(false);
    expect(notFound instanceof B.buildErrors.BuildAlreadyExistsError).toBe(false);
    expect(notFound instanceof B.buildErrors.BuildNotFoundError).toBe(true);
    expect(notFound instanceof B.errors.OrchestratorError).toBe(true);
    expect(new A.errors.ValidationError('repo', 'bad') instanceof B.buildErrors.BuildNotFoundError).toBe(false);
  });

  it('holds subclasses to their ancestors across copies', () => {
    const permanent = new A.startErrors.PermanentExecutionStartError('StateMachineDoesNotExist', 'no state machine');
    expect(permanent instanceof B.startErrors.PermanentExecutionStartError).toBe(true);
    expect(permanent instanceof B.startErrors.ExecutionStartError).toBe(true);
    expect(permanent instanceof B.errors.OrchestratorError).toBe(true);
    expect(permanent instanceof B.startErrors.TransientExecutionStartError).toBe(false);
    const transient = new B.startErrors.TransientExecutionStartError('ThrottlingException', 'slow down');
    expect(transient instanceof A.startErrors.ExecutionStartError).toBe(true);
    expect(transient instanceof A.startErrors.PermanentExecutionStartError).toBe(false);
  });

  it('recognises the renamed errors and their deprecated names across copies', () => {
    const tooLarge = new A.buildErrors.BuildRecordTooLargeError(aBuildKey());
    expect(tooLarge instanceof B.buildErrors.BuildItemTooLargeError).toBe(true);
    expect(new A.buildErrors.BuildsByStatusUnavailableError() instanceof B.buildErrors.StatusIndexMissingError).toBe(true);
    expect(tooLarge instanceof B.buildErrors.BuildsByStatusUnavailableError).toBe(false);
  });

  it('answers false for anything that is not an error of the module', () => {
    for (const value of [new Error('plain'), new TypeError('type'), { name: 'ValidationError' }, 'ValidationError', null, undefined, 42]) {
      expect(value instanceof B.errors.OrchestratorError).toBe(false);
      expect(value instanceof B.errors.ValidationError).toBe(false);
    }
    const malformed = Object.assign(new Error('forged'), { [Symbol.for('@aws-deployer/orchestrator/error-classes')]: 'ValidationError' });
    expect(malformed instanceof B.errors.ValidationError).toBe(false);
  });

  it('carries the brand out of sight: not enumerable, not in JSON', () => {
    const error = new A.errors.ValidationError('repo', 'must not be empty');
    const brand = Symbol.for('@aws-deployer/orchestrator/error-classes');
    expect((error as unknown as Record<symbol, unknown>)[brand]).toEqual(['ValidationError', 'OrchestratorError']);
    expect(Object.getOwnPropertySymbols({ ...error })).not.toContain(brand);
    expect(Object.getOwnPropertyDescriptor(error, brand)?.enumerable).toBe(false);
    expect(JSON.stringify(error)).not.toContain('OrchestratorError');
  });

  it('still relates a subclass without a stable name of its own by its prototype, and its ancestors by the brand', () => {
    class UnnamedError extends A.errors.ValidationError {}
    const error = new UnnamedError('repo', 'bad');
    expect(error instanceof UnnamedError).toBe(true);
    expect(error instanceof B.errors.ValidationError).toBe(true);
    expect(new A.errors.ValidationError('repo', 'bad') instanceof UnnamedError).toBe(false);
  });
});
