import type { Bundled } from '../../scripts/bundle.js';

/** Bytes of a bundle's cold-start files by where they come from: an npm package, or this package's own sources. */
export function coldStartAttribution(bundled: Bundled): Map<string, number> {
  const byOrigin = new Map<string, number>();
  for (const file of bundled.files.filter((candidate) => candidate.atColdStart)) {
    for (const [input, bytes] of Object.entries(file.inputBytes)) {
      const origin = originOf(input);
      byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + bytes);
    }
  }
  return new Map([...byOrigin].sort(([, a], [, b]) => b - a));
}

/** `node_modules/@smithy/core/dist-es/x.js` is `@smithy/core`; a file of ours is `src (this package)`. */
function originOf(input: string): string {
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (inPackage?.[1]) return inPackage[1];
  return input.startsWith('src/') ? 'src (this package)' : input;
}

/** The attribution as lines `origin  KiB`, the largest first; origins under `minKiB` are summed on one line. */
export function formatAttribution(attribution: ReadonlyMap<string, number>, minKiB = 4): string {
  const kib = (bytes: number) => (bytes / 1024).toFixed(1).padStart(7);
  const shown = [...attribution].filter(([, bytes]) => bytes / 1024 >= minKiB);
  const rest = [...attribution].filter(([, bytes]) => bytes / 1024 < minKiB);
  const restBytes = rest.reduce((sum, [, bytes]) => sum + bytes, 0);
  const total = [...attribution.values()].reduce((sum, bytes) => sum + bytes, 0);
  return [
    ...shown.map(([origin, bytes]) => `  ${origin.padEnd(40)} ${kib(bytes)} KiB`),
    `  ${`${rest.length} others under ${minKiB} KiB`.padEnd(40)} ${kib(restBytes)} KiB`,
    `  ${'total'.padEnd(40)} ${kib(total)} KiB`,
  ].join('\n');
}
