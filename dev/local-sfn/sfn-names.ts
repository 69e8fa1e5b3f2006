/**
 * Names and ARNs as the local Step Functions endpoint understands them.
 *
 * Kept inside the test support folder on purpose: the endpoint must judge names
 * the way Step Functions does, independently of the production naming code it
 * is used to test.
 */

/** Region every ARN of the local endpoint lives in. */
const LOCAL_REGION = 'us-east-1';
/** Account every ARN of the local endpoint belongs to. */
const LOCAL_ACCOUNT = '123456789012';

const ARN_PREFIX = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}`;
const MAX_NAME_LENGTH = 80;
const FORBIDDEN_NAME_CHARACTERS = new Set('<>{}[]?*"#%\\^|~$&,;:/`');

/**
 * Why `name` is not a valid Step Functions name, or `undefined` when it is.
 * Rules (the current StartExecution API reference): 1 to 80 characters, no
 * whitespace, none of `< > { } [ ] ? * " # % \ ^ | ~ $ & , ; : /` or the
 * backtick, no control characters (U+0000-001F, U+007F-009F), no surrogates
 * (U+D800-DFFF, so nothing outside the Basic Multilingual Plane) and neither
 * U+FFFE nor U+FFFF.
 */
export function describeInvalidName(name: string): string | undefined {
  const characters = Array.from(name);
  if (characters.length === 0 || characters.length > MAX_NAME_LENGTH) {
    return `name must be 1 to ${MAX_NAME_LENGTH} characters long, got ${characters.length}`;
  }
  const offending = characters.find(isForbiddenNameCharacter);
  if (offending !== undefined) {
    return `name must not contain U+${codePointHex(offending)}`;
  }
  return undefined;
}

function isForbiddenNameCharacter(character: string): boolean {
  return (
    /\s/u.test(character) ||
    isControlCharacter(character) ||
    isOutsideTheBmpOrNonCharacter(character) ||
    FORBIDDEN_NAME_CHARACTERS.has(character)
  );
}

function isOutsideTheBmpOrNonCharacter(character: string): boolean {
  const codePoint = character.codePointAt(0) ?? 0;
  return codePoint > 0xffff || (codePoint >= 0xd800 && codePoint <= 0xdfff) || codePoint === 0xfffe || codePoint === 0xffff;
}

function isControlCharacter(character: string): boolean {
  const codePoint = character.codePointAt(0) ?? 0;
  return codePoint <= 0x1f || (codePoint >= 0x7f && codePoint <= 0x9f);
}

function codePointHex(character: string): string {
  return (character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}

/** `arn:aws:states:us-east-1:123456789012:stateMachine:<name>` */
export function stateMachineArnFor(name: string): string {
  return `${ARN_PREFIX}:stateMachine:${name}`;
}

/** ARN of a STANDARD execution: `...:execution:<machineName>:<executionName>`. */
export function standardExecutionArnFor(machineName: string, executionName: string): string {
  return `${ARN_PREFIX}:execution:${machineName}:${executionName}`;
}

/** ARN of an EXPRESS execution, which carries a random suffix: `...:express:<machine>:<name>:<uuid>`. */
export function expressExecutionArnFor(machineName: string, executionName: string, uniqueId: string): string {
  return `${ARN_PREFIX}:express:${machineName}:${executionName}:${uniqueId}`;
}

// Any region and account are accepted as well-formed, as by the real service:
// an ARN from elsewhere is simply "does not exist" here.
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const STANDARD_EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;
const EXPRESS_EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:express:[^:]+:[^:]+:[^:]+$/;

/** Whether `arn` has the shape of an unqualified state machine ARN (versions and aliases are not modelled). */
export function isStateMachineArn(arn: string): boolean {
  return STATE_MACHINE_ARN.test(arn);
}

/** Whether `arn` has the shape of a STANDARD execution ARN. */
export function isStandardExecutionArn(arn: string): boolean {
  return STANDARD_EXECUTION_ARN.test(arn);
}

/** Whether `arn` has the shape of an EXPRESS execution ARN. */
export function isExpressExecutionArn(arn: string): boolean {
  return EXPRESS_EXECUTION_ARN.test(arn);
}
