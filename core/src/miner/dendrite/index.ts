export { Dendrite, type AxonTarget, type DendriteResponse } from './dendrite.js';
export { checkKvArtifact, KV_URL_PATTERN, MAX_KV_BYTES, type ArtifactReport } from './check-artifact.js';
export { runSelfTest, type SelfTestOptions, type SelfTestResult } from './self-test.js';
