// Every workflow the worker registers. Workflow code is bundled for Temporal's deterministic sandbox.
export { differentialSyncWait } from './differential-sync-wait';
export { drCapacityWait } from './dr-capacity-wait';
export { drill } from './drill';
export { estateCheck } from './estate-check';
export { failback } from './failback';
export { failover } from './failover';
export { failoverStage } from './failover-stage';
export { onboarding } from './onboarding';
export { provisioning } from './provisioning';
export { managementFixup } from './fixup';
export { managementMetadataCapture } from './metadata-capture';
export { siteFailover } from './site-failover';
export { protectionChange } from './protection-change';
export { publishBackVms } from './publish-back';
export { replicationWait } from './replication-wait';
export { reconcileTenant } from './reconcile';
export { resume } from './resume';
