import { randomBytes } from 'node:crypto';
import { commitIter, listFiles, pathsInfo, repoExists, type CommitOperation, type RepoDesignation } from '@huggingface/hub';
import {
  ConfigError,
  StoreError,
  exactSize,
  probePublicRead,
  silentLogger,
  type ArtifactEntry,
  type ArtifactStore,
  type Logger,
  type PutRequest,
  type StoredArtifact,
  throwIfAborted,
} from '@neural-condense/sdk';
import { CommitBudget, describeSustainableRate } from './commit-budget.js';
import { spoolToDisk } from './spool.js';

const NAME = 'hf';

/** What the store needs; built from the plugin options by `createHfStore`. */
export interface HfStoreConfig {
  repos: string[];
  repoType: 'dataset' | 'model';
  /** Normalised prefix (`''` or ending in `/`). */
  prefix: string;
  revision: string;
  token: string;
  hubUrl: string;
  /** Base URL with an optional `{repo}` placeholder, without trailing slash. */
  publicBaseUrl: string;
  useXet: boolean;
  allowRedirectingHead: boolean;
  probeWrites: boolean;
  spoolDir: string;
  budget: CommitBudget;
  /** fetch handed to the Hub client (the Retry-After aware one). */
  fetch: typeof fetch;
  logger?: Logger;
}

/**
 * Artifacts as files in one or more public Hugging Face repos. Each put is one commit
 * (LFS or Xet upload first, then the NDJSON commit), so a file is visible whole once the
 * commit lands and never before. A key's repo follows from the key itself, so `url()` and
 * `delete()` need no lookup and survive restarts.
 */
export class HfStore implements ArtifactStore {
  readonly name = NAME;
  private readonly logger: Logger;
  /** Where list() found each key; wins over the key hash if `repos` changed since. */
  private readonly seenIn = new Map<string, string>();

  constructor(private readonly config: HfStoreConfig) {
    this.logger = config.logger ?? silentLogger;
  }

  /** The repo a key lives in: its first 32 bits modulo the repo count (keys are random hex). */
  repoFor(key: string): string {
    const known = this.seenIn.get(key);
    if (known) return known;
    const { repos } = this.config;
    const n = Number.parseInt(key.slice(0, 8), 16);
    return repos[Number.isNaN(n) ? 0 : n % repos.length];
  }

  url(key: string): string {
    return `${this.config.publicBaseUrl.replaceAll('{repo}', this.repoFor(key))}/${this.config.prefix}${key}`;
  }

  async init(): Promise<void> {
    const { repos, repoType, hubUrl, token, budget } = this.config;
    for (const name of repos) {
      const repo = this.designation(name);
      if (!(await repoExists({ repo, hubUrl, accessToken: token, fetch: this.config.fetch }))) {
        throw new ConfigError(
          'store.options.repos',
          `[hf] ${repoType} repo '${name}' does not exist or HF_TOKEN cannot see it: huggingface-cli repo create ${name.split('/')[1]} --organization ${name.split('/')[0]} --type ${repoType}`,
        );
      }
      if (!(await repoExists({ repo, hubUrl, fetch: this.config.fetch }))) {
        throw new ConfigError('store.options.repos', `[hf] ${repoType} repo '${name}' is private; validators cannot download from it. Make it public (repo Settings > Change visibility)`);
      }
    }
    if (this.config.probeWrites) {
      for (const name of repos) {
        await probePublicRead({
          store: NAME,
          key: this.probeKeyFor(name),
          setting: 'store.options.repos',
          followRedirects: this.config.allowRedirectingHead,
          write: async (key, bytes) => {
            try {
              await this.put({ key, body: (async function* () { yield bytes; })(), size: bytes.length, contentType: 'application/octet-stream' });
            } catch (err) {
              throw new ConfigError('store.options.token', `[hf] cannot commit to '${name}': ${(err as Error).message}; HF_TOKEN needs write access`);
            }
            return this.url(key);
          },
          remove: (key) => this.delete(key),
          advice: (result) =>
            result.status >= 300 && result.status < 400
              ? 'The Hub serves LFS/Xet files through a redirect to its CDN. Point publicBaseUrl at a proxy that answers HEAD with 200, or set allowRedirectingHead: true only if validators follow redirects.'
              : 'Make the repo public, or fix hubUrl/publicBaseUrl.',
        });
      }
    }
    this.logger.info({ repos, sustainable: describeSustainableRate(repos.length, budget.perHour) }, 'hf store ready');
  }

  async put({ key, body, size, signal }: PutRequest): Promise<StoredArtifact> {
    const repo = this.repoFor(key);
    const { budget } = this.config;
    if (budget.remaining(repo) <= 0) {
      throw new StoreError(
        NAME,
        `commit budget of '${repo}' is used up (${budget.perHour}/hour); next slot in ${Math.ceil(budget.msUntilFree(repo) / 1000)} s. Add repos to store.options.repos to raise the rate`,
      );
    }
    const path = this.config.prefix + key;
    let spooled;
    try {
      spooled = await spoolToDisk(this.config.spoolDir, exactSize(body, size, NAME), signal);
    } catch (err) {
      throw this.failure(err, signal, `spooling ${key}`);
    }
    try {
      await this.commit(repo, `Add ${path}`, [{ operation: 'addOrUpdate', path, content: spooled.blob }], signal);
    } catch (err) {
      throw this.failure(err, signal, `committing ${path} to ${repo}`);
    } finally {
      await spooled.remove();
    }
    return { key, url: this.url(key), size };
  }

  async delete(key: string): Promise<void> {
    await this.deleteMany([key]);
  }

  /** One commit per repo for all `keys` that exist there; missing keys are skipped. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    const byRepo = new Map<string, string[]>();
    for (const key of keys) byRepo.set(this.repoFor(key), [...(byRepo.get(this.repoFor(key)) ?? []), this.config.prefix + key]);
    for (const [repo, paths] of byRepo) {
      try {
        const existing = await pathsInfo({ repo: this.designation(repo), paths, revision: this.config.revision, hubUrl: this.config.hubUrl, accessToken: this.config.token, fetch: this.config.fetch });
        if (existing.length === 0) continue;
        const ops: CommitOperation[] = existing.map((e) => ({ operation: 'delete', path: e.path }));
        await this.commit(repo, `Delete ${ops.length} expired artifact(s)`, ops);
      } catch (err) {
        throw new StoreError(NAME, `deleting ${paths.length} file(s) from ${repo} failed: ${describe(err)}`, err);
      }
    }
    for (const key of keys) this.seenIn.delete(key);
  }

  async *list(): AsyncIterable<ArtifactEntry> {
    const { prefix } = this.config;
    for (const repo of this.config.repos) {
      try {
        for await (const file of listFiles({
          repo: this.designation(repo),
          path: prefix ? prefix.slice(0, -1) : undefined,
          expand: true, // brings lastCommit.date, the age TTL cleanup needs
          revision: this.config.revision,
          hubUrl: this.config.hubUrl,
          accessToken: this.config.token,
          fetch: this.config.fetch,
        })) {
          const key = file.path.slice(prefix.length);
          if (file.type !== 'file' || !key.endsWith('.npy') || key.includes('/')) continue;
          this.seenIn.set(key, repo);
          const date = file.uploadedAt ?? file.lastCommit?.date;
          yield { key, size: file.lfs?.size ?? file.size, lastModified: date ? Date.parse(date) : 0 };
        }
      } catch (err) {
        if (status(err) === 404) continue; // the prefix folder does not exist yet
        throw new StoreError(NAME, `listing ${repo}/${prefix} failed: ${describe(err)}`, err);
      }
    }
  }

  private async commit(repo: string, title: string, operations: CommitOperation[], signal?: AbortSignal): Promise<void> {
    const iterator = commitIter({
      repo: this.designation(repo),
      title,
      operations,
      branch: this.config.revision,
      hubUrl: this.config.hubUrl,
      accessToken: this.config.token,
      fetch: this.config.fetch,
      useXet: this.config.useXet,
      ...(signal && { abortSignal: signal }),
    });
    for await (const event of iterator) {
      // Counted when the commit request goes out: that is what the Hub's quota counts.
      if (event.event === 'phase' && event.phase === 'committing') this.config.budget.record(repo);
    }
  }

  private designation(name: string): RepoDesignation {
    return { type: this.config.repoType, name };
  }

  /** A probe key that lands in `repo` under the key-hash rule. */
  private probeKeyFor(repo: string): string {
    for (;;) {
      const key = `${randomBytes(16).toString('hex')}.npy`;
      if (this.repoFor(key) === repo) return key;
    }
  }

  private failure(err: unknown, signal: AbortSignal | undefined, what: string): Error {
    throwIfAborted(signal); // an abort surfaces as its reason, as in every store
    if (err instanceof StoreError) return err;
    const code = status(err);
    const hint = code === 429 ? ' (the Hub rate-limited this repo beyond maxRetryWaitMs; add repos or lower the request rate)' : code === 401 || code === 403 ? ' (check HF_TOKEN has write access)' : '';
    return new StoreError(NAME, `${what} failed: ${describe(err)}${hint}`, err);
  }
}

function status(err: unknown): number | undefined {
  const code = (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function describe(err: unknown): string {
  const code = status(err);
  const message = err instanceof Error ? err.message : String(err);
  return code === undefined ? message : `${code} ${message}`;
}
