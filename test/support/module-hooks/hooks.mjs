// Module resolution hooks for a child node process (node:module `register`),
// configured by environment variables:
// - RESOLVED_MODULES_LOG: a file each resolved file: URL is appended to, one a line;
// - HIDDEN_PACKAGES: comma-separated package names resolved as if they were not installed.
import { appendFileSync } from 'node:fs';

const log = process.env.RESOLVED_MODULES_LOG;
const hidden = (process.env.HIDDEN_PACKAGES ?? '').split(',').filter((name) => name !== '');

export async function resolve(specifier, context, nextResolve) {
  const name = hidden.find((candidate) => specifier === candidate || specifier.startsWith(`${candidate}/`));
  if (name !== undefined) {
    // What node throws for a package that is not installed.
    throw Object.assign(new Error(`Cannot find package '${name}' imported from ${context.parentURL}`), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  const resolved = await nextResolve(specifier, context);
  if (log !== undefined && resolved.url.startsWith('file:')) appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
