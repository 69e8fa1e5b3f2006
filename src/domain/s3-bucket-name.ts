// S3 bucket names, for the artifacts bucket a deployment's input names. The
// orchestrator never calls S3 with it: the name only travels in the execution
// input (`s3_bucket`) to the state machine's deploy step. So a name is refused
// only when no bucket can have it; refusing a real bucket's name would stop
// every build from starting.
//
// Plain code, no imports: the CDK construct checks its `artifactsBucket` prop
// with the same rules at synth time, and loads nothing else of the module.

/**
 * The rule set a bucket name meets: `current`, S3's rules for general purpose
 * buckets; `legacy`, only the rules of buckets created in US East (N.
 * Virginia) before 1 March 2018 (capitals, underscores, up to 255 characters).
 */
export type S3BucketNaming = 'current' | 'legacy';

// The current rules (Amazon S3 User Guide, "General purpose bucket naming
// rules"): 3 to 63 characters; lowercase letters, digits, dots and hyphens
// only; beginning and ending with a letter or digit; no two adjacent periods;
// not formatted as an IP address (192.168.5.4); not starting with the
// reserved prefixes xn--, sthree- (which covers sthree-configurator) and
// amzn-s3-demo-; not ending with the reserved suffixes -s3alias (access point
// aliases), --ol-s3 (Object Lambda access point aliases), .mrap (Multi-Region
// Access Points), --x-s3 (directory buckets) and --table-s3 (table buckets).
const CURRENT_SHAPE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS_FORMAT = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'] as const;
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'] as const;

// The legacy rules (the same guide: "Before March 1, 2018, buckets created in
// the US East (N. Virginia) Region could have names that were up to 255
// characters long and included uppercase letters and underscores"; its
// earlier "Bucket Restrictions and Limitations" page: names in that Region
// "can be as long as 255 characters" of "any combination of uppercase
// letters, lowercase letters, numbers, periods (.), hyphens (-), and
// underscores (_)"; the same page's minimum of 3 characters applies to all).
// Such buckets still exist, and the Go implementation takes any name.
const LEGACY_SHAPE = /^[A-Za-z0-9._-]{3,255}$/;

/** What an S3 bucket name is, for messages that refuse one. */
export const S3_BUCKET_NAME_RULE =
  "3 to 63 of a-z 0-9 . - (S3's current rules), or, for a bucket created in us-east-1 before 1 March 2018, 3 to 255 of A-Z a-z 0-9 . - _";

/**
 * Which of S3's rule sets `name` meets: the current rules for general
 * purpose buckets, only the legacy rules of older us-east-1 buckets, or none
 * (`undefined`: no bucket can have this name).
 *
 * @example
 * ```ts
 * s3BucketNamingOf('my-artifacts');    // 'current'
 * s3BucketNamingOf('My_Artifacts');    // 'legacy'
 * s3BucketNamingOf('my artifacts/');   // undefined
 * ```
 */
export function s3BucketNamingOf(name: string): S3BucketNaming | undefined {
  if (meetsCurrentRules(name)) return 'current';
  if (LEGACY_SHAPE.test(name)) return 'legacy';
  return undefined;
}

/** Whether some S3 bucket can be named `name` (the current or the legacy rules). */
export function isS3BucketName(name: string): boolean {
  return s3BucketNamingOf(name) !== undefined;
}

function meetsCurrentRules(name: string): boolean {
  return (
    CURRENT_SHAPE.test(name) &&
    !name.includes('..') &&
    !IP_ADDRESS_FORMAT.test(name) &&
    !RESERVED_PREFIXES.some((prefix) => name.startsWith(prefix)) &&
    !RESERVED_SUFFIXES.some((suffix) => name.endsWith(suffix))
  );
}
