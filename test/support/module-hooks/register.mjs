// `node --import ./register.mjs`: installs hooks.mjs in the process.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
