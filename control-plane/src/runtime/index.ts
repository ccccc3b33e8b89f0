/** Where ledger nodes run: the `NodeRuntime` interface and its local and Kubernetes implementations. */
export * from './node-runtime.js';
export * from './runtime-logger.js';
export { checkNetwork, checkNodeId, checkSpec, channelNames } from './spec-checks.js';
export { LocalNodeRuntime, defaultNodeMainJs, type LocalNodeFile, type LocalNodeRuntimeOptions, type LocalRestartBackoff } from './local-runtime.js';
export * from './kubernetes-objects.js';
export { KubernetesApiError, KubernetesNodeRuntime, kubernetesApiError, serverSideApplyOptions, type CoreClient, type CustomObjectsClient, type KubernetesNodeRuntimeOptions } from './kubernetes-runtime.js';
