import { MissingBindingError } from './missing-binding.error.js';
import { tokenName, type Token } from './tokens.js';
import type { AnyServiceWiring } from './wiring.js';

/** A port's adapter under its token; {@link portBinding} checks that they match. */
export interface PortBinding {
  readonly token: symbol;
  readonly adapter: unknown;
}

export function portBinding<Port>(token: Token<Port>, adapter: Port): PortBinding {
  return { token, adapter };
}

/** The services made from the wiring table, by token. */
export interface ResolvedServices {
  get<Service>(token: Token<Service>): Service;
}

/**
 * Makes the given services from their wiring, without a DI container: what
 * the Lambda entry points use, so a cold start loads neither inversify nor a
 * service its function does not call. Every service is made here, once, so a
 * dependency nothing binds fails now, naming its token.
 *
 * @throws MissingBindingError when a service depends on a token that is
 *   neither a port given nor one of the services asked for.
 */
export function resolveServices(ports: readonly PortBinding[], wirings: readonly AnyServiceWiring[]): ResolvedServices {
  const made = new Map<symbol, unknown>(ports.map(({ token, adapter }) => [token, adapter]));
  const wiringOf = new Map(wirings.map((wiring) => [wiring.token, wiring]));

  const making = new Set<symbol>();

  const make = (token: symbol, neededBy: string): unknown => {
    if (made.has(token)) return made.get(token);
    const wiring = wiringOf.get(token);
    if (wiring === undefined) throw MissingBindingError.of(token, neededBy, 'bind its adapter or add its wiring');
    if (making.has(token)) throw new Error(`The wiring of ${tokenName(token)} depends on itself`);
    making.add(token);
    const dependencies = wiring.dependencies.map((dependency) => make(dependency, tokenName(wiring.token)));
    const service = wiring.create(...(dependencies as never[]));
    made.set(token, service);
    return service;
  };
  for (const wiring of wirings) make(wiring.token, 'the entry point');

  return {
    get<Service>(token: Token<Service>): Service {
      if (!made.has(token)) throw MissingBindingError.of(token, 'the entry point', 'add its wiring to resolveServices');
      return made.get(token) as Service;
    },
  };
}
