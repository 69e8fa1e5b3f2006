/**
 * `npm start`: the whole deployment lifecycle on one machine, no AWS account.
 * See {@link USAGE}.
 */
import { USAGE, parseMainArgs, type MainOptions } from './args.js';
import { formatKeepInstructions } from './output.js';
import { runLocalStack } from './run-local-stack.js';

const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function main(argv: readonly string[]): Promise<number> {
  let options: MainOptions;
  try {
    options = parseMainArgs(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }

  // Ctrl-C: stop everything, then exit. One Ctrl-C can arrive twice (from the
  // terminal and relayed by tsx), so repeats within a second are ignored; a
  // later one gives up on a clean stop.
  const interrupted = new AbortController();
  let firstSignalAt: number | undefined;
  const onSignal = (): void => {
    if (firstSignalAt === undefined) {
      firstSignalAt = Date.now();
      interrupted.abort(new Error('interrupted'));
    } else if (Date.now() - firstSignalAt > 1_000) {
      process.stderr.write('interrupted again: exiting without a clean stop\n');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const startedAt = Date.now();
  try {
    const run = await runLocalStack({ keep: options.keep, concurrency: options.concurrency, httpApi: true, print, signal: interrupted.signal });
    print(`run time: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    if (options.keep) {
      print('');
      formatKeepInstructions(run.stack).forEach(print);
      await untilAborted(interrupted.signal);
      print('stopping the local stack...');
      await run.stop();
      print('stopped');
    }
    return run.ok ? 0 : 1;
  } catch (error) {
    if (interrupted.signal.aborted) {
      process.stderr.write('interrupted: the local stack was stopped\n');
      return 130;
    }
    process.stderr.write(`local stack failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

process.exitCode = await main(process.argv.slice(2));
