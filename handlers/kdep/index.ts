/**
 * `quickcd/kdep`: deploy an App repository of Helm charts as kdep and the original quickcd
 * did. See README.md, "Deploying charts with kdep".
 */
export { deployPush, deployPullRequest } from './deploy-push.js';
export { deployCharts, type DeployResult } from './deploy-charts.js';
export { resolveKdepOptions, type KdepOptions, type ResolvedKdepOptions } from './kdep-options.js';
export { checkoutPush, checkoutPullRequest, type Revisions } from './checkout.js';
export { changedCharts } from './changed-charts.js';
export { readChart, type ChartInfo } from './read-chart.js';
export { mergeValues, valuesFileNames, type Values } from './merge-values.js';
export { releaseState, lastDeployedRevision, type ReleaseState } from './release-state.js';
export { provisionSecrets, secretName, type ProvisionedSecret } from './provision-secrets.js';
export { runIntegrationTest, type IntegrationTestResult } from './run-integration-test.js';
export { rollbackCharts } from './rollback-charts.js';
export { statusTable, type ChartOutcome, type ChartStatus } from './chart-outcome.js';
export type { SecretSource } from './secret-source.js';
export { kubernetesSecretSource } from './kubernetes-secret-source.js';
export { vaultSecretSource } from './vault-secret-source.js';
export { iksInit, type IksInitOptions } from './iks-init.js';
