import type { Container, ContainerModule } from 'inversify';

/**
 * Loads modules synchronously into a container of either supported inversify
 * major: 7 names this `loadSync` (its `load` returns a promise), 8 names it
 * `load`. The modules of this package bind synchronously, so both are safe.
 */
export function loadModulesSync(container: Container, ...modules: ContainerModule[]): void {
  const inversify7 = container as unknown as { loadSync?: (...modules: ContainerModule[]) => void };
  if (typeof inversify7.loadSync === 'function') inversify7.loadSync(...modules);
  else container.load(...modules);
}
