// Build sort keys: the package's own KSUID generator (the CLI's `create` uses it too), as users import it.
export { ksuidOf, newKsuid } from '../src/index.js';
