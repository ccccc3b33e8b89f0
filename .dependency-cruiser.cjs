/**
 * The dependency rules of DESIGN.md ("Layout"), enforced on every `npm test`.
 * Packages are matched by folder; imports by package name resolve through the workspace
 * symlinks to those folders, so both spellings are covered.
 */
const ours = '^(data-plane|control-plane|operator|helm|web-portal|test)/';

module.exports = {
  forbidden: [
    {
      name: 'raft-and-protocol-import-nothing-of-ours',
      comment: 'raft and protocol are leaves: they import nothing of ours (but themselves).',
      severity: 'error',
      from: { path: '^data-plane/(raft|protocol)/' },
      to: { path: ours, pathNot: '^data-plane/$1/' },
    },
    {
      name: 'storage-ledger-import-raft-and-protocol-only',
      severity: 'error',
      from: { path: '^data-plane/(storage|ledger)/' },
      to: { path: ours, pathNot: ['^data-plane/(raft|protocol)/', '^data-plane/$1/', '^data-plane/storage/'] },
    },
    {
      name: 'contracts-import-ledger-only',
      severity: 'error',
      from: { path: '^data-plane/contracts/' },
      to: { path: ours, pathNot: ['^data-plane/(ledger|protocol|contracts)/'] },
    },
    {
      name: 'client-imports-protocol-only',
      severity: 'error',
      from: { path: '^data-plane/client/' },
      to: { path: ours, pathNot: ['^data-plane/(protocol|client)/'] },
    },
    {
      name: 'only-binaries-and-tests-import-node-and-sim',
      comment: 'node and sim wire the core to an environment; nothing but tests and binaries use them.',
      severity: 'error',
      from: { path: ours, pathNot: ['^data-plane/(node|sim)/', '^test/'] },
      to: { path: '^data-plane/(node|sim)/' },
    },
    {
      name: 'node-and-sim-do-not-import-each-other',
      severity: 'error',
      from: { path: '^data-plane/(node|sim)/src/' },
      to: { path: '^data-plane/(node|sim)/', pathNot: '^data-plane/$1/' },
    },
    {
      name: 'outside-data-plane-only-through-client',
      comment: 'Everything outside data-plane reaches a node through data-plane/client and HTTP.',
      severity: 'error',
      from: { path: '^(control-plane|operator|web-portal)/' },
      to: { path: '^data-plane/', pathNot: '^data-plane/(client|protocol)/' },
    },
    {
      name: 'nothing-but-tests-imports-control-plane',
      comment: 'The control plane is a service: others reach it over HTTP.',
      severity: 'error',
      from: { path: ours, pathNot: ['^control-plane/', '^test/'] },
      to: { path: '^control-plane/' },
    },
    {
      name: 'operator-never-imports-control-plane',
      severity: 'error',
      from: { path: '^operator/' },
      to: { path: '^control-plane/' },
    },
    {
      name: 'portal-over-http-only',
      severity: 'error',
      from: { path: '^web-portal/' },
      to: { path: '^(control-plane|operator)/' },
    },
    {
      name: 'nothing-imports-test',
      comment: 'Only tests use the shared test library: test/ and the packages\' own test folders.',
      severity: 'error',
      from: { path: ours, pathNot: ['^test/', '^(control-plane|operator|helm|web-portal|data-plane/[^/]+)/test/'] },
      to: { path: '^test/' },
    },
    {
      name: 'raft-sources-do-no-io',
      comment: 'The consensus core is pure: no file system, network, timers or child processes.',
      severity: 'error',
      from: { path: '^data-plane/raft/src/' },
      to: { dependencyTypes: ['core'], path: '^(fs|net|dgram|http|http2|https|timers|child_process|worker_threads|os|crypto)(/|$)' },
    },
    {
      name: 'protocol-is-isomorphic',
      comment: 'protocol is shared by the node and the browser client: no Node.js built-ins.',
      severity: 'error',
      from: { path: '^data-plane/protocol/src/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'client-is-isomorphic',
      comment: 'The SDK runs in browsers: no Node.js built-ins, except in its Node-only entry (@konsortium/client/node).',
      severity: 'error',
      from: { path: '^data-plane/client/src/', pathNot: '^data-plane/client/src/node-fetch\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'client-node-entry-stays-apart',
      comment: 'Nothing in the browser-safe SDK imports its Node-only entry.',
      severity: 'error',
      from: { path: '^data-plane/client/src/', pathNot: '^data-plane/client/src/node-fetch\\.ts$' },
      to: { path: '^data-plane/client/src/node-fetch\\.ts$' },
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
    exclude: { path: ['(^|/)(dist|node_modules|\\.tap)/', '^control-plane/src/db/generated/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.test.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'] },
    combinedDependencies: true,
    preserveSymlinks: false,
  },
};
