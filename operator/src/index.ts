/** @konsortium/operator: the Kubernetes operator as a library (the CLI is main.ts). */
export * from './api-types.js';
export { allCrds, ledgerNodeCrd, networkCrd } from './crds.js';
export { crdFiles } from './crds-yaml.js';
export { startOperator, type Operator, type OperatorOptions, type OperatorStats } from './operator.js';
export { SKIP_RAFT_REMOVAL } from './reconcile/ledger-node.js';
export { resolveNodeSettings, nodeAddress } from './builders/node-settings.js';
export { buildStatefulSet } from './builders/statefulset.js';
export { jsonLogger } from './cli/run.js';
export { Informer } from './kube/informer.js';
export { KubeRest, KubeApiError } from './kube/rest.js';
export { R, pathOf } from './kube/resources.js';
