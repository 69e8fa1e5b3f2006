// Plain on purpose: the CDK constructs and the Lambda permissions load this
// file at synth time, so it imports nothing.

/**
 * Where every error of this module carries its brand: the stable names of its
 * class and of each ancestor class, own class first, e.g.
 * `['PermanentExecutionStartError', 'ExecutionStartError', 'OrchestratorError']`.
 * A registered symbol, so every copy of the module (the package's ESM and
 * CommonJS builds, two bundles in one process) reads the same brand.
 */
const ERROR_BRAND = Symbol.for('@aws-deployer/orchestrator/error-classes');

/** The stable name a class declares itself, never one it inherits (a subclass without its own has none). */
function ownStableName(errorClass: unknown): string | undefined {
  if (typeof errorClass !== 'function' || !Object.hasOwn(errorClass, 'stableName')) return undefined;
  const { stableName } = errorClass as { stableName?: unknown };
  return typeof stableName === 'string' ? stableName : undefined;
}

/** The stable names of a class and its ancestors, own class first. */
function stableNamesOf(errorClass: unknown): readonly string[] {
  const names: string[] = [];
  for (let current = errorClass; typeof current === 'function' && current !== Error; current = Object.getPrototypeOf(current)) {
    const name = ownStableName(current);
    if (name !== undefined) names.push(name);
  }
  return Object.freeze(names);
}

/** The brand `value` carries, or `undefined` when it is not an error of this module. */
function brandOf(value: unknown): readonly string[] | undefined {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined;
  const brand: unknown = (value as { [ERROR_BRAND]?: unknown })[ERROR_BRAND];
  return Array.isArray(brand) && brand.every((name) => typeof name === 'string') ? (brand as string[]) : undefined;
}

/**
 * Base class of every error this module throws on purpose, so callers can tell
 * them apart from programming errors with one `instanceof`. Each one states
 * its `name` as a literal rather than taking its class's: minified bundles
 * rename classes, and the name is what logs, stack traces and Lambda's
 * `errorType` (which the workflow's retry rules match) show.
 *
 * `instanceof` holds across copies of this module (the package's `import` and
 * `require()` builds are two copies of every class): each error carries the
 * stable names of its class and ancestors under
 * `Symbol.for('@aws-deployer/orchestrator/error-classes')`, and
 * `error instanceof X` is true when that brand names `X` (for
 * `OrchestratorError`, when there is a brand at all), as well as when `X`'s
 * prototype is on the error's chain. A class declares its stable name as a
 * literal in `static readonly stableName`; a subclass that declares none is
 * recognised by its prototype only, and by its ancestors' names.
 */
export abstract class OrchestratorError extends Error {
  /** The name `instanceof` recognises this class by in any copy of the module; a literal, never `constructor.name`. */
  static readonly stableName: string = 'OrchestratorError';

  abstract readonly code: string;

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    Object.defineProperty(this, ERROR_BRAND, { value: stableNamesOf(new.target), enumerable: false });
  }

  static override [Symbol.hasInstance](this: abstract new (...args: never[]) => unknown, value: unknown): boolean {
    const brand = brandOf(value);
    if (brand !== undefined) {
      if (this === OrchestratorError) return true;
      const name = ownStableName(this);
      if (name !== undefined && brand.includes(name)) return true;
    }
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/**
 * Input that breaks a domain rule. `field` names the offending field in the
 * caller's terms (`repo`, `commitHash`, `input`, ...) so the message can be
 * shown as is.
 *
 * @example
 * ```ts
 * try {
 *   parseBuildKey({ repo: 'my/app', env: 'prd', sk: '2HFj3kLmNoPqRsTuVwXy' });
 * } catch (error) {
 *   if (error instanceof ValidationError) console.log(error.field); // 'repo'
 * }
 * ```
 */
export class ValidationError extends OrchestratorError {
  static override readonly stableName: string = 'ValidationError';
  override readonly name: string = 'ValidationError';
  readonly code = 'VALIDATION_ERROR';

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`Invalid ${field}: ${reason}`);
  }
}
