// Every workflow the worker registers. Workflow code is bundled for Temporal's deterministic sandbox.
export { estateCheck } from './estate-check';
export { onboarding } from './onboarding';
export { provisioning } from './provisioning';
export { managementFixup } from './fixup';
export { managementMetadataCapture } from './metadata-capture';
