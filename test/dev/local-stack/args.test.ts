import { describe, expect, it } from 'vitest';
import { parseMainArgs } from '../../../dev/local-stack/args.js';

describe('parseMainArgs', () => {
  it('runs and stops by default, keeps the stack with --keep', () => {
    expect(parseMainArgs([])).toEqual({ keep: false, help: false });
    expect(parseMainArgs(['--keep'])).toEqual({ keep: true, help: false });
    expect(parseMainArgs(['--help'])).toEqual({ keep: false, help: true });
  });

  it('refuses an argument it does not know, naming it', () => {
    expect(() => parseMainArgs(['--kep'])).toThrow('unknown argument "--kep"');
  });
});
