import { describe, expect, it } from 'vitest';
import { parseMainArgs } from '../../../dev/local-stack/args.js';

describe('parseMainArgs', () => {
  it('runs and stops by default under queue, keeps the stack with --keep', () => {
    expect(parseMainArgs([])).toEqual({ keep: false, concurrency: 'queue', help: false });
    expect(parseMainArgs(['--keep'])).toEqual({ keep: true, concurrency: 'queue', help: false });
    expect(parseMainArgs(['--help'])).toEqual({ keep: false, concurrency: 'queue', help: true });
  });

  it('takes the concurrency policy from --concurrency <policy> or --concurrency=<policy>', () => {
    expect(parseMainArgs(['--concurrency', 'supersede'])).toEqual({ keep: false, concurrency: 'supersede', help: false });
    expect(parseMainArgs(['--concurrency=parallel', '--keep'])).toEqual({ keep: true, concurrency: 'parallel', help: false });
    expect(parseMainArgs(['--concurrency', 'queue'])).toMatchObject({ concurrency: 'queue' });
  });

  it('refuses a policy it does not know, or none, naming the allowed ones', () => {
    expect(() => parseMainArgs(['--concurrency', 'serial'])).toThrow('--concurrency needs one of queue, supersede, parallel, got "serial"');
    expect(() => parseMainArgs(['--concurrency'])).toThrow('--concurrency needs one of queue, supersede, parallel');
  });

  it('refuses an argument it does not know, naming it', () => {
    expect(() => parseMainArgs(['--kep'])).toThrow('unknown argument "--kep"');
  });
});
