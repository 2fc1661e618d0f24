import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { ConfigError } from '@neural-condense/sdk';
import type { AzureStoreOptions } from './options.js';

/** Where the credentials came from, for the start-up log (never the secret itself). */
export type AzureCredentialSource = 'connection-string' | 'shared-key' | 'default-azure-credential';

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
      return { client: BlobServiceClient.fromConnectionString(connectionString), source: 'connection-string' };
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
    return { client: new BlobServiceClient(accountUrl(options, accountName), credential), source: 'shared-key' };
  }
  const identity = await loadIdentity();
  return { client: new BlobServiceClient(accountUrl(options, accountName), new identity.DefaultAzureCredential()), source: 'default-azure-credential' };
}

interface IdentityModule {
  DefaultAzureCredential: new () => ConstructorParameters<typeof BlobServiceClient>[1];
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
