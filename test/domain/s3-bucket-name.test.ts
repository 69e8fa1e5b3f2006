import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isS3BucketName, s3BucketNamingOf } from '../../src/domain/s3-bucket-name.js';

describe("S3's bucket naming rules", () => {
  it.each([
    'my-artifacts-bucket',
    'abc',
    'a'.repeat(63),
    'docexamplewebsite.com',
    'my.example.s3.bucket',
    'log-delivery-march-2020',
    '1-artifacts',
  ])('%j meets the current rules', (name) => {
    expect(s3BucketNamingOf(name)).toBe('current');
  });

  it.each([
    // The bucket: capitals and an underscore, legal in us-east-1 before 1 March 2018.
    'My_Artifacts',
    'DocExampleBucket',
    'doc_example_bucket',
    'a'.repeat(64),
    'A'.repeat(255),
    // The current rules refuse these shapes; a legacy bucket may have them.
    'doc-example-bucket-',
    '_artifacts',
    'my..bucket',
    '192.168.5.4',
    // Reserved for other kinds of names today; such a bucket may predate the reservation,
    // and an access point alias or a directory bucket name stands where a bucket name does.
    'xn--artifacts',
    'sthree-artifacts',
    'amzn-s3-demo-bucket',
    'artifacts-s3alias',
    'artifacts--ol-s3',
    'artifacts.mrap',
    'artifacts--usw2-az1--x-s3',
    'artifacts--table-s3',
  ])('%j meets only the legacy us-east-1 rules, and is accepted', (name) => {
    expect(s3BucketNamingOf(name)).toBe('legacy');
    expect(isS3BucketName(name)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['too short', 'ab'],
    ['over 255 characters', 'a'.repeat(256)],
    ['with a slash', 'artifacts/builds'],
    ['an s3:// address', 's3://artifacts'],
    ['an ARN', 'arn:aws:s3:::artifacts'],
    ['with a space', 'my artifacts'],
    ['with a tab', 'artifacts\t'],
    ['with a newline', 'artifacts\n'],
    ['with a letter outside ASCII', 'artéfacts'],
    ['with an emoji', 'artifacts-\u{1F4E6}'],
  ])('refuses a name %s (%j): no bucket can have it', (_, name) => {
    expect(s3BucketNamingOf(name)).toBeUndefined();
    expect(isS3BucketName(name)).toBe(false);
  });

  it('accepts exactly 3 to 255 of A-Z a-z 0-9 . - _, the legacy rules, which every current name also meets', () => {
    const legacyChar = fc.constantFrom(...'ABCXYZabcxyz0129.-_'.split(''));
    const anyChar = fc.oneof(legacyChar, fc.constantFrom(' ', '/', ':', '\\', '*', '\u00e9', '\u{1F4E6}', '\u0000'));
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 9, arbitrary: legacyChar }, { weight: 1, arbitrary: anyChar }), { maxLength: 300 }), (chars) => {
        const name = chars.join('');
        expect(isS3BucketName(name)).toBe(/^[A-Za-z0-9._-]{3,255}$/.test(name));
      }),
      { numRuns: 1000 },
    );
  });
});
