/**
 * The plugin API version this SDK implements. A plugin declares the version it was built
 * for in `definePlugin({ apiVersion })`; core refuses a plugin whose major differs.
 * Bump the major on any breaking change to a contract in this package.
 */
export const PLUGIN_API_VERSION = 1;

/** The SDK's own semver, for messages. Kept in step with package.json by a test. */
export const SDK_VERSION = '0.1.0';
