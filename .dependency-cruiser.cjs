/**
 * The hexagon's dependency rule: domain <- ports <- app <- adapters and entry
 * points, never back. `npm run lint` and test/architecture enforce it.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'The domain imports only itself and zod: no AWS SDK, no inversify, no node: modules.',
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
      name: 'app-names-no-adapter',
      comment: 'Only the composition root may name adapter classes.',
      severity: 'error',
      from: { path: '^src/app/', pathNot: '^src/app/(aws-)?composition-root\\.ts$' },
      to: { path: '^src/adapters/' },
    },
    {
      name: 'driven-adapters-do-not-call-the-app',
      comment: 'Repositories, starters, clocks and loggers serve the app; only driving adapters (lambda, cli) use it.',
      severity: 'error',
      from: { path: '^src/adapters/(?!lambda/|cli/)' },
      to: { path: '^src/app/' },
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
