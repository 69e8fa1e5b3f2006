// The HTTP API handler over an in-memory build store and small fakes of the
// four manual deployment services, recording what each was asked.
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  createHttpApiHandler,
  type HttpApiServices,
} from '../../../../../src/adapters/driving/lambda/http-api/http-api.handler.js';
import type {
  CancelRequest,
  ManualDeploymentResult,
  RedeployRequest,
  RedriveRequest,
  RollbackRequest,
} from '../../../../../src/app/manual/manual-deployment-result.js';
import type { Build, BuildKey, NewBuild } from '../../../../../src/index.js';
import { InMemoryBuildRepository, RecordingLogger } from '../../../../../src/testing.js';
import { aLambdaContext } from '../../../../support/mothers/lambda-context.mother.js';

export interface ServiceCalls {
  readonly redeploy: RedeployRequest[];
  readonly rollBack: RollbackRequest[];
  readonly redrive: RedriveRequest[];
  readonly cancel: CancelRequest[];
}

type Operation = keyof ServiceCalls;

/** What a fake service answers: a result, or a function of the request (which may throw). */
export type FakeAnswer = ManualDeploymentResult | ((request: never) => ManualDeploymentResult | Promise<ManualDeploymentResult>);

export interface HttpApiFixture {
  readonly builds: InMemoryBuildRepository;
  readonly logger: RecordingLogger;
  readonly calls: ServiceCalls;
  /** Sets what `operation` answers from now on (by default: the build it names, `created: false`). */
  answer(operation: Operation, answer: FakeAnswer): void;
  send(event: APIGatewayProxyEventV2WithIAMAuthorizer): Promise<HttpApiResponse>;
  /** Records a build in the store, `PENDING`. */
  aBuild(build: NewBuild): Promise<Build>;
  /** Stores a build as another writer would, without `create`'s checks (a space in `repo`...). */
  aRecordedBuild(key: BuildKey): Build;
}

/** A Lambda result with its body read as JSON. */
export interface HttpApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly raw: APIGatewayProxyStructuredResultV2;
}

export function anHttpApi(overrides: Partial<HttpApiServices> = {}): HttpApiFixture {
  const builds = new InMemoryBuildRepository();
  const logger = new RecordingLogger();
  const calls: ServiceCalls = { redeploy: [], rollBack: [], redrive: [], cancel: [] };
  const answers = new Map<Operation, FakeAnswer>();

  async function serve(operation: Operation, request: RedeployRequest | RollbackRequest | RedriveRequest | CancelRequest) {
    (calls[operation] as unknown[]).push(request);
    const answer = answers.get(operation);
    if (answer !== undefined) return typeof answer === 'function' ? answer(request as never) : answer;
    const build =
      'build' in request
        ? await builds.get(request.build)
        : request.to === undefined
          ? (await builds.listBuilds(request.repo, request.env, { limit: 1 })).builds[0]
          : await builds.get({ repo: request.repo, env: request.env, sk: request.to });
    if (build === undefined) throw new Error(`the fake ${operation} has no answer for ${JSON.stringify(request)}`);
    return { ok: true, build, created: false, replayed: false } as const;
  }

  const services: HttpApiServices = {
    builds,
    redeploy: (request) => serve('redeploy', request),
    rollBack: (request) => serve('rollBack', request),
    redrive: (request) => serve('redrive', request),
    cancel: (request) => serve('cancel', request),
    ...overrides,
  };
  const handler = createHttpApiHandler({ services, logger });

  return {
    builds,
    logger,
    calls,
    answer: (operation, answer) => answers.set(operation, answer),
    aBuild: (build) => builds.create(build),
    aRecordedBuild(key) {
      const at = new Date(Math.floor(Date.now() / 1000) * 1000);
      const build: Build = { ...key, branch: 'main', version: '1.2.3', commitHash: 'abc123', status: 'PENDING', createdAt: at, updatedAt: at };
      builds.seed(build);
      return build;
    },
    async send(event) {
      const raw = await handler(event, aLambdaContext({ functionName: 'aws-deployer-http-api' }));
      const headers = Object.fromEntries(Object.entries(raw.headers ?? {}).map(([name, value]) => [name, String(value)]));
      return { status: raw.statusCode ?? 200, headers, body: raw.body === undefined ? undefined : (JSON.parse(raw.body) as unknown), raw };
    },
  };
}
