// Starts one DynamoDB Local for the integration tests, from the first source
// that works here:
//   1. DYNAMODB_ENDPOINT: an instance someone else runs (docker-compose, CI).
//   2. Testcontainers: a throwaway container of DYNAMODB_LOCAL_IMAGE.
//   3. The JVM: the jar from scripts/fetch-dynamodb-local.sh, when there is no
//      container runtime or the image is neither present nor pullable (unless
//      DYNAMODB_LOCAL=testcontainers forbids this fallback).
// DYNAMODB_LOCAL=jvm skips the container attempt.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export type DynamoDbLocalBackend = 'endpoint' | 'testcontainers' | 'jvm';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly backend: DynamoDbLocalBackend;
  stop(): Promise<void>;
}

/** Pinned so every machine tests against the same official release. */
export const DEFAULT_DYNAMODB_LOCAL_IMAGE = 'amazon/dynamodb-local:2.6.1';

const CONTAINER_PORT = 8000;
const JVM_READY_TIMEOUT_MS = 30_000;
const JVM_STOP_TIMEOUT_MS = 5_000;

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const jarDir = join(repoRoot, '.cache/dynamodb-local');
const fetchScript = join(repoRoot, 'scripts/fetch-dynamodb-local.sh');

// -sharedDb: one database whatever the client's credentials and region, as in
// docker-compose.test.yml, so every backend behaves the same.
const DYNAMODB_ARGS = ['-jar', 'DynamoDBLocal.jar', '-inMemory', '-sharedDb'];

type Mode = 'auto' | 'testcontainers' | 'jvm';

export async function startDynamoDbLocal(): Promise<DynamoDbLocal> {
  const endpoint = process.env.DYNAMODB_ENDPOINT;
  if (endpoint) {
    announce(`endpoint ${endpoint} (DYNAMODB_ENDPOINT)`);
    return { endpoint, backend: 'endpoint', stop: async () => {} };
  }

  const mode = readMode();
  if (mode !== 'jvm') {
    const container = await startContainer(mode);
    if (container) return container;
  }
  return startJvm();
}

function readMode(): Mode {
  const value = process.env.DYNAMODB_LOCAL ?? '';
  if (value === '') return 'auto';
  if (value === 'testcontainers' || value === 'jvm') return value;
  throw new Error(`DYNAMODB_LOCAL must be unset, "testcontainers" or "jvm"; got "${value}"`);
}

function announce(what: string): void {
  console.log(`[dynamodb-local] backend: ${what}`);
}

/** Resolves to undefined when auto mode should fall back to the JVM. */
async function startContainer(mode: Mode): Promise<DynamoDbLocal | undefined> {
  // No reaper: its image cannot be pulled here, so stop() removes the container.
  // The value must be exactly "true" for testcontainers to honour it.
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';

  // Loaded lazily: the endpoint and JVM backends do not need docker's client.
  const { GenericContainer, ImageName, Wait, getContainerRuntimeClient } = await import('testcontainers');
  const image = process.env.DYNAMODB_LOCAL_IMAGE ?? DEFAULT_DYNAMODB_LOCAL_IMAGE;

  // Asking for the runtime first fails within milliseconds when there is no
  // docker, instead of a container start failing after a timeout.
  let runtime: Awaited<ReturnType<typeof getContainerRuntimeClient>>;
  try {
    runtime = await getContainerRuntimeClient();
  } catch (error) {
    if (mode === 'testcontainers') {
      throw new Error(
        'DYNAMODB_LOCAL=testcontainers but no container runtime was found ' +
          `(${String(error)}). Start one (bash scripts/start-docker.sh), ` +
          'or unset DYNAMODB_LOCAL to fall back to the JVM, or set DYNAMODB_ENDPOINT.',
        { cause: error },
      );
    }
    console.log('[dynamodb-local] no container runtime found; falling back to the JVM');
    return undefined;
  }

  // An image that is neither local nor pullable is a missing prerequisite,
  // not a test failure: in auto mode the JVM can still serve.
  const imageName = ImageName.fromString(image);
  if (!(await runtime.image.exists(imageName))) {
    try {
      await runtime.image.pull(imageName);
    } catch (error) {
      const hint =
        `image ${image} is not present and could not be pulled (${String(error)}). ` +
        'Build a local one with bash scripts/build-dynamodb-local-image.sh and set ' +
        'DYNAMODB_LOCAL_IMAGE=localhost/dynamodb-local:1.11.478.';
      if (mode === 'testcontainers') throw new Error(`DYNAMODB_LOCAL=testcontainers but ${hint}`, { cause: error });
      console.log(`[dynamodb-local] ${hint} Falling back to the JVM.`);
      return undefined;
    }
  }

  const startedAt = Date.now();
  const container = await new GenericContainer(image)
    .withCommand(DYNAMODB_ARGS)
    .withExposedPorts(CONTAINER_PORT)
    // DynamoDB Local answers a bare GET with 400 once it serves; a log-message
    // wait would return before the port listens.
    .withWaitStrategy(Wait.forHttp('/', CONTAINER_PORT).forStatusCode(400))
    .withStartupTimeout(60_000)
    .start();
  const endpoint = `http://${container.getHost()}:${container.getMappedPort(CONTAINER_PORT)}`;
  announce(`testcontainers, image ${image}, ${endpoint} (ready in ${Date.now() - startedAt} ms)`);
  return {
    endpoint,
    backend: 'testcontainers',
    stop: async () => {
      await container.stop({ remove: true, removeVolumes: true });
    },
  };
}

async function startJvm(): Promise<DynamoDbLocal> {
  const jar = join(jarDir, 'DynamoDBLocal.jar');
  if (!existsSync(jar)) {
    await promisify(execFile)('bash', [fetchScript]);
  }

  const port = await freeLoopbackPort();
  // DynamoDB Local has no bind-address option: it listens on every interface.
  const child = spawn(
    'java',
    [`-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`, ...DYNAMODB_ARGS, '-port', String(port)],
    { cwd: jarDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = captureOutput(child);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  // If the runner dies without calling stop(), do not leave the JVM behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), JVM_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const startedAt = Date.now();
  try {
    await waitForHttp(endpoint, child, output);
  } catch (error) {
    await stop();
    throw error;
  }
  announce(`jvm, jar ${jar}, ${endpoint} (ready in ${Date.now() - startedAt} ms)`);
  return { endpoint, backend: 'jvm', stop };
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}

/**
 * Keeps the tail of the JVM's output, and a spawn error (e.g. no `java` on the
 * PATH), for error messages. Reading also drains the pipes.
 */
function captureOutput(child: ChildProcess): () => string {
  let text = '';
  const append = (chunk: Buffer | string): void => {
    text = (text + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  child.once('error', (error) => append(`${String(error)}\n`));
  return () => text;
}

async function waitForHttp(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + JVM_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`DynamoDB Local (JVM) exited before it was ready:\n${output()}`);
    }
    try {
      // 400 is DynamoDB Local's answer to a bare GET: anything else is not it.
      const response = await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 400) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 100));
  }
  throw new Error(`DynamoDB Local (JVM) did not answer on ${endpoint} within ${JVM_READY_TIMEOUT_MS} ms:\n${output()}`);
}
