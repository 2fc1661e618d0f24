import type { Clock } from '@neural-condense/sdk';

const HOUR = 3_600_000;

/**
 * Counts commits per repo over a sliding hour, so the store can refuse a put at once
 * (instead of uploading 128 MiB and then meeting a 429) and pick its start-up numbers.
 */
export class CommitBudget {
  private readonly stamps = new Map<string, number[]>();

  constructor(
    readonly perHour: number,
    private readonly clock: Clock,
  ) {}

  /** Commits still allowed in `repo` right now. */
  remaining(repo: string): number {
    return this.perHour - this.recent(repo).length;
  }

  /** Milliseconds until `repo` has room for one more commit (0 when it has room now). */
  msUntilFree(repo: string): number {
    const recent = this.recent(repo);
    if (recent.length < this.perHour) return 0;
    return recent[recent.length - this.perHour] + HOUR - this.clock.now();
  }

  /** Records a commit sent to `repo`. */
  record(repo: string): void {
    this.recent(repo).push(this.clock.now());
  }

  private recent(repo: string): number[] {
    const cutoff = this.clock.now() - HOUR;
    const kept = (this.stamps.get(repo) ?? []).filter((t) => t > cutoff);
    this.stamps.set(repo, kept);
    return kept;
  }
}

/** The start-up line: what rate `repos` repos sustain. */
export function describeSustainableRate(repos: number, perHour: number): string {
  const total = repos * perHour;
  return `${repos} repo(s) x ${perHour} commits/hour = ${total} artifacts/hour (one every ${(3600 / total).toFixed(1)} s); TTL cleanup spends one more commit per repo per run`;
}
