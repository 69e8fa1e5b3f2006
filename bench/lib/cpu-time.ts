import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Milliseconds of CPU (user + system) this process has used. */
export function thisProcessCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Milliseconds of CPU DynamoDB Local's JVM has used (a container's too: its
 * process is visible here), or undefined when no such process is found.
 */
export function dynamoDbLocalCpuMs(): number | undefined {
  try {
    return processCpuMs(Number(execFileSync('pgrep', ['-f', 'DynamoDBLocal.jar'], { encoding: 'utf8' }).trim().split('\n')[0]));
  } catch {
    return undefined;
  }
}

/**
 * Milliseconds of CPU process `pid` has used, or undefined when it cannot be
 * read: utime + stime from /proc/<pid>/stat, in clock ticks of 10 ms.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined || !Number.isInteger(pid)) return undefined;
  try {
    // The fields after the command name, which may hold spaces: split after its closing parenthesis.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const [utime, stime] = [Number(fields[11]), Number(fields[12])];
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) * 10 : undefined;
  } catch {
    return undefined;
  }
}
