import { readFileSync } from 'node:fs';

/**
 * The package's own package.json. The CLI's code runs from src/adapters/driving/cli (tsx)
 * or dist/adapters/driving/cli (the built bin): both four directories below
 * the package root. The CLI is ESM only, so `import.meta.url` is always there.
 */
const PACKAGE_JSON = new URL('../../../../package.json', import.meta.url);

/** The `version` of the package this CLI belongs to. */
export function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version?: unknown };
  if (typeof version !== 'string' || version === '') throw new Error(`${PACKAGE_JSON.pathname} has no version`);
  return version;
}
