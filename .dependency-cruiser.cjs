/**
 * The hexagon's dependency rule. The import graph runs one way only:
 * composition -> driving adapters (lambda, cli) -> app -> ports -> domain,
 * and driven adapters (dynamodb, sfn, in-memory, clock, logging) -> ports and
 * domain. The composition layer (src/composition: the wiring, the inversify
 * modules, the Lambda entry files, the CLI's main) is the outermost; only it
 * and the package's entry points reach it. Development tooling and
 * benchmarks use the package as its users do. `npm run lint` and
 * test/architecture enforce it, with no exception.
 * @type {import('dependency-cruiser').IConfiguration}
 */

// What a user of the package can import: the files behind its `exports`.
const PUBLIC_ENTRY_POINTS = ['^src/(index|lambda|testing|dynamodb|sfn)\\.ts$', '^src/cdk/index\\.ts$'];

// The AWS CDK: an optional peer dependency, for src/cdk alone.
const CDK_PACKAGES = '(^|/)node_modules/(aws-cdk-lib|constructs)/';

// The DI library: the composition layer binds the services with factories, so nothing inside it loads inversify.
// Matched resolved (node_modules/inversify/...) or, where a resolver without `exports` support leaves it, bare.
const DI_PACKAGES = '(^|/node_modules/)(inversify|@inversifyjs/[^/]+|reflect-metadata)(/|$)';

// What the CDK constructs read of the handlers' code at synth time: the Lambda permissions, the HTTP API's routes
// and S3's bucket naming rules.
const CDK_PLAIN_DATA = '^src/(adapters/driving/lambda/permissions|adapters/driving/lambda/http-api/http-api-routes|domain/s3-bucket-name)\\.ts$';

// What the Step Functions adapter shares, as plain data, with the in-memory doubles and the main entry point.
const SFN_PLAIN_DATA = '^src/adapters/driven/sfn/(start-error-codes|execution-input-limit|execution-control-limits)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'The domain imports only itself and zod: no AWS SDK, no DI library, no node: modules.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: ['^src/domain/', '(^|/)node_modules/zod/'] },
    },
    {
      name: 'ports-see-only-the-domain',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { pathNot: ['^src/domain/', '^src/ports/'] },
    },
    {
      name: 'app-names-ports-only',
      comment: 'Services name ports, never an adapter class nor the composition that binds them.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: ['^src/adapters/', '^src/composition/'] },
    },
    {
      name: 'only-the-outermost-layer-composes',
      comment:
        'The composition layer names services and adapters; nothing inside the hexagon, no adapter and no CDK construct imports it, ' +
        'not even for a type. Only the package entry points expose it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/composition/', ...PUBLIC_ENTRY_POINTS] },
      to: { path: '^src/composition/' },
    },
    {
      name: 'the-hexagon-loads-no-di-library',
      comment: 'Domain, ports, services and adapters are plain classes and functions; the composition layer alone binds them with inversify.',
      severity: 'error',
      from: { path: '^src/(domain|ports|app|adapters)/' },
      to: { path: DI_PACKAGES },
    },
    {
      name: 'driving-adapters-use-the-app',
      comment: 'Handlers and the CLI reach DynamoDB and Step Functions through the services they are given, never through a driven adapter.',
      severity: 'error',
      from: { path: '^src/adapters/driving/' },
      to: { path: '^src/adapters/driven/' },
    },
    {
      name: 'driven-adapters-serve-the-ports',
      comment: 'Repositories, starters, clocks and loggers implement ports; they never use the app nor a driving adapter.',
      severity: 'error',
      from: { path: '^src/adapters/driven/' },
      to: { path: ['^src/app/', '^src/adapters/driving/'] },
    },
    {
      name: 'one-builds-table-layout',
      comment:
        'The item layout of the builds table has one home, src/adapters/driven/builds-table, read by the DynamoDB repository ' +
        'and exported by the ./dynamodb entry point.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/adapters/driven/(builds-table|dynamodb)/', '^src/dynamodb\\.ts$'] },
      to: { path: '^src/adapters/driven/builds-table/' },
    },
    {
      name: 'in-memory-adapters-stay-in-memory',
      comment: "The doubles share the Step Functions adapter's plain data (its start error codes), and nothing else of AWS.",
      severity: 'error',
      from: { path: '^src/adapters/driven/in-memory/' },
      to: {
        path: ['^src/adapters/driven/(dynamodb|builds-table)/', '^src/adapters/driven/sfn/', '(^|/)node_modules/@aws-sdk/'],
        pathNot: SFN_PLAIN_DATA,
      },
    },
    {
      name: 'start-error-codes-are-plain-data',
      comment: "The Step Functions adapter's plain data is shared with the in-memory doubles and the main entry point: it may not load the SDK.",
      severity: 'error',
      from: { path: SFN_PLAIN_DATA },
      to: { path: '(^|/)node_modules/' },
    },
    {
      name: 'only-the-cdk-constructs-load-the-cdk',
      comment: 'aws-cdk-lib and constructs are optional peer dependencies: the Lambda bundles and the other entry points never load them.',
      severity: 'error',
      from: { path: '^(src|dev|bench|scripts)/', pathNot: '^src/cdk/' },
      to: { path: CDK_PACKAGES },
    },
    {
      name: 'cdk-constructs-load-no-runtime',
      comment:
        'A CDK app loads the constructs at synth time: not the AWS SDK, not the handlers. ' +
        "They read the permissions, the HTTP API's routes, the errors and S3's bucket naming rules, all plain.",
      severity: 'error',
      from: { path: '^src/cdk/' },
      to: {
        path: ['^src/', '(^|/)node_modules/'],
        pathNot: ['^src/cdk/', CDK_PLAIN_DATA, '^src/domain/orchestrator\\.errors\\.ts$', CDK_PACKAGES],
      },
    },
    {
      name: 'synth-time-data-is-plain',
      comment: 'The CDK constructs read the permissions and the bucket naming rules at synth time: these may load nothing but the domain errors.',
      severity: 'error',
      from: { path: CDK_PLAIN_DATA },
      to: { path: ['^src/', '(^|/)node_modules/'], pathNot: '^src/domain/orchestrator\\.errors\\.ts$' },
    },
    {
      name: 'nothing-outside-test-imports-test',
      comment: 'Tests may use the development tooling; the tooling, the benchmarks and the package never use the tests.',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'tooling-uses-the-public-entry-points',
      comment: 'The local stack, the benchmarks and the scripts use the package as its users do.',
      severity: 'error',
      from: { path: '^(dev|bench|scripts)/' },
      to: { path: '^src/', pathNot: PUBLIC_ENTRY_POINTS },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
