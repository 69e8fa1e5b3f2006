/**
 * The hexagon's dependency rule: domain <- ports <- app <- adapters and entry
 * points, never back; the composition roots are reached only from the entry
 * points; development tooling and benchmarks use the package as its users
 * do. `npm run lint` and test/architecture enforce it, with no exception.
 * @type {import('dependency-cruiser').IConfiguration}
 */

// What a user of the package can import: the files behind its `exports`.
const PUBLIC_ENTRY_POINTS = ['^src/(index|lambda|testing)\\.ts$', '^src/adapters/(dynamodb|sfn)/index\\.ts$', '^src/cdk/index\\.ts$'];

// The AWS CDK: an optional peer dependency, for src/cdk alone.
const CDK_PACKAGES = '(^|/)node_modules/(aws-cdk-lib|constructs)/';

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'The domain imports only itself and zod: no AWS SDK, no node: modules.',
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
      comment: 'Services name ports, never an adapter class nor the container that binds them.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: ['^src/adapters/', '^src/composition/'] },
    },
    {
      name: 'only-entry-points-compose',
      comment: 'The composition roots name services and adapters; only the entry points (package exports, Lambda and CLI) build them.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/composition/', '^src/adapters/(lambda|cli)/', ...PUBLIC_ENTRY_POINTS] },
      to: { path: '^src/composition/' },
    },
    {
      name: 'driven-adapters-do-not-call-the-app',
      comment: 'Repositories, starters, clocks and loggers serve the app; only driving adapters (lambda, cli) use it.',
      severity: 'error',
      from: { path: '^src/adapters/(?!lambda/|cli/)' },
      to: { path: '^src/app/' },
    },
    {
      name: 'one-builds-table-layout',
      comment:
        'The item layout of the builds table has one home, src/adapters/builds-table, shared by exactly two readers: ' +
        'the DynamoDB repository and the stream parsing of trigger-build.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/adapters/(builds-table|dynamodb)/', '^src/adapters/lambda/trigger-build/'] },
      to: { path: '^src/adapters/builds-table/' },
    },
    {
      name: 'lambda-handlers-use-ports',
      comment: 'Handlers reach DynamoDB and Step Functions through the container, never through an adapter class.',
      severity: 'error',
      from: { path: '^src/adapters/lambda/' },
      to: { path: '^src/adapters/(dynamodb|sfn|in-memory)/' },
    },
    {
      name: 'in-memory-adapters-stay-in-memory',
      comment: "The doubles share the Step Functions adapter's table of start error codes, and nothing else of AWS.",
      severity: 'error',
      from: { path: '^src/adapters/in-memory/' },
      to: { path: ['^src/adapters/(dynamodb|builds-table|lambda|cli)/', '^src/adapters/sfn/(?!start-error-codes\\.ts$)', '(^|/)node_modules/@aws-sdk/'] },
    },
    {
      name: 'start-error-codes-are-plain-data',
      comment: 'The code table is shared with the in-memory starter and the main entry point: it may not load the SDK.',
      severity: 'error',
      from: { path: '^src/adapters/sfn/start-error-codes\\.ts$' },
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
        'A CDK app loads the constructs at synth time: not the AWS SDK, not the handlers. They read the permissions and the errors, both plain.',
      severity: 'error',
      from: { path: '^src/cdk/' },
      to: {
        path: ['^src/', '(^|/)node_modules/'],
        pathNot: ['^src/cdk/', '^src/adapters/lambda/permissions\\.ts$', '^src/domain/orchestrator\\.errors\\.ts$', CDK_PACKAGES],
      },
    },
    {
      name: 'lambda-permissions-are-plain-data',
      comment: 'The CDK constructs read these permissions at synth time: they may load nothing but the domain errors.',
      severity: 'error',
      from: { path: '^src/adapters/lambda/permissions\\.ts$' },
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
