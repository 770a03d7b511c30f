/** Module boundaries of ARCHITECTURE.md, checked on every `npm run check`. */
module.exports = {
  forbidden: [
    { name: 'domain-is-pure', severity: 'error', comment: 'libs/domain imports nothing but itself (no frameworks, no Node built-ins).',
      from: { path: '^libs/domain/src', pathNot: '\\.spec\\.ts$' }, to: { pathNot: '^libs/domain/src', dependencyTypesNot: ['type-only'] } },
    { name: 'domain-no-builtins', severity: 'error', from: { path: '^libs/domain/src', pathNot: '\\.spec\\.ts$' }, to: { dependencyTypes: ['core'] } },
    { name: 'workflows-deterministic', severity: 'error', comment: 'libs/workflows may import libs/domain and @temporalio/workflow (and @temporalio/common types) only.',
      from: { path: '^libs/workflows/src', pathNot: '\\.spec\\.ts$' },
      to: { pathNot: ['^libs/workflows/src', '^libs/domain/src', 'node_modules/@temporalio/(workflow|common)/'] } },
    { name: 'libs-do-not-import-apps', severity: 'error', from: { path: '^libs/' }, to: { path: '^apps/' } },
    { name: 'apps-do-not-import-each-other', severity: 'error', comment: 'Benchmarks in apps/cli wire the whole system in one process on purpose.', from: { path: '^apps/([^/]+)/', pathNot: '^apps/cli/src/bench-' }, to: { path: '^apps/', pathNot: '^apps/$1/' } },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'no-test-code-in-production', severity: 'error', comment: 'Test builders live in __fixtures__ folders (excluded from the build, .swcrc) and are imported by specs only.', from: { path: '^(apps|libs)/', pathNot: '(\\.(spec|e2e-spec)\\.ts$|/__fixtures__/)' }, to: { path: '(^test/|\\.spec\\.ts$|/__fixtures__/|\\.mother\\.ts$)' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|^\\.data/|^\\.tools/)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.json'] },
  },
};
