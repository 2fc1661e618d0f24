import { BlobServiceClient, StorageSharedKeyCredential, type StoragePipelineOptions } from '@azure/storage-blob';
import { ConfigError } from '@neural-condense/sdk';
import type { AzureStoreOptions } from './options.js';

/** Where the credentials came from, for the start-up log (never the secret itself). */
export type AzureCredentialSource = 'connection-string' | 'shared-key' | 'default-azure-credential';

// The client's default backs off 4 s, 8 s, 16 s...: during an outage a request would hang
// far past a validator's timeout. Fail within a few seconds instead; the deadline rules.
const PIPELINE: StoragePipelineOptions = { retryOptions: { maxTries: 3, retryDelayInMs: 250, maxRetryDelayInMs: 2000 } };

/** The account's blob endpoint: the override, or `https://<account>.blob.core.windows.net`. */
function accountUrl(options: AzureStoreOptions, account: string): string {
  return (options.endpoint ?? `https://${account}.blob.core.windows.net`).replace(/\/+$/, '');
}

/**
 * Builds the service client from, in order: a connection string, an account name + key,
 * or an account name alone with DefaultAzureCredential (`@azure/identity`, an optional
 * peer dependency loaded only then). Options win over the conventional env vars.
 */
export async function createBlobServiceClient(
  options: AzureStoreOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ client: BlobServiceClient; source: AzureCredentialSource }> {
  const connectionString = options.connectionString ?? env.AZURE_STORAGE_CONNECTION_STRING;
  const accountName = options.accountName ?? env.AZURE_STORAGE_ACCOUNT;
  const accountKey = options.accountKey ?? env.AZURE_STORAGE_KEY;
  if (connectionString && !options.accountName) {
    try {
      return { client: BlobServiceClient.fromConnectionString(connectionString, PIPELINE), source: 'connection-string' };
    } catch (err) {
      throw new ConfigError('store.options.connectionString', `not a valid Azure Storage connection string (${(err as Error).message})`);
    }
  }
  if (!accountName) {
    throw new ConfigError(
      'store.options.accountName',
      'no Azure credentials: set AZURE_STORAGE_CONNECTION_STRING, or accountName + accountKey (AZURE_STORAGE_ACCOUNT / AZURE_STORAGE_KEY), or accountName alone for DefaultAzureCredential',
    );
  }
  if (accountKey) {
    const credential = new StorageSharedKeyCredential(accountName, accountKey);
    return { client: new BlobServiceClient(accountUrl(options, accountName), credential, PIPELINE), source: 'shared-key' };
  }
  const identity = await loadIdentity();
  return { client: new BlobServiceClient(accountUrl(options, accountName), new identity.DefaultAzureCredential(), PIPELINE), source: 'default-azure-credential' };
}

/** The token-credential member of the client's credential union (`@azure/core-auth` is not a direct dependency). */
type TokenCredential = Extract<ConstructorParameters<typeof BlobServiceClient>[1], { getToken: unknown }>;

interface IdentityModule {
  DefaultAzureCredential: new () => TokenCredential;
}

async function loadIdentity(): Promise<IdentityModule> {
  // A variable specifier keeps TypeScript from requiring the optional package at build time.
  const specifier = '@azure/identity';
  try {
    return (await import(specifier)) as IdentityModule;
  } catch {
    throw new ConfigError(
      'store.options.accountKey',
      'accountName without accountKey uses DefaultAzureCredential, which needs the @azure/identity package: install it next to this plugin, or set accountKey / AZURE_STORAGE_CONNECTION_STRING',
    );
  }
}
