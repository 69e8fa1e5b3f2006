// The `ContainerModule` type as the public declarations name it. In the
// CommonJS declarations (dist/cjs) scripts/build-commonjs.ts gives this import
// `resolution-mode: require`, so a CommonJS host gets the class its own
// container takes under inversify 7 and 8 alike.
import type { ContainerModule } from 'inversify';

/** An inversify `ContainerModule`: load it into your `Container`. */
export type InversifyContainerModule = ContainerModule;
