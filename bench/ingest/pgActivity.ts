import pg from "pg";

/**
 * Samples what Postgres is doing for one database (pg_stat_activity) at a fixed interval:
 * how often it is working on the app's statements at all, how many at once, and which
 * statements. Opt-in (BENCH_PG_ACTIVITY=1): it costs a query per sample.
 */

export interface PgActivity {
  samples: number;
  /** Share of samples (%) with this many statements running for the database. */
  activeBackends: Record<string, number>;
  /** Share of running-statement observations (%) by statement (first words) and wait ("CPU" when none). */
  statements: Array<{ statement: string; wait: string; share: number }>;
}

export class PgActivitySampler {
  private readonly client: pg.Client;
  private readonly counts = new Map<number, number>();
  private readonly statements = new Map<string, number>();
  private samples = 0;
  private stopped = false;
  private loop: Promise<void> | null = null;

  constructor(url: string, private readonly database: string, private readonly everyMs: number) {
    this.client = new pg.Client({ connectionString: url });
  }

  async start(): Promise<void> {
    await this.client.connect();
    this.loop = (async () => {
      while (!this.stopped) {
        const result = await this.client.query<{ wait: string; statement: string }>(
          `SELECT coalesce(wait_event_type, 'CPU') AS wait, left(regexp_replace(query, '\\s+', ' ', 'g'), 48) AS statement
             FROM pg_stat_activity WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()`,
          [this.database],
        );
        this.samples++;
        this.counts.set(result.rows.length, (this.counts.get(result.rows.length) ?? 0) + 1);
        for (const row of result.rows) {
          const key = `${row.statement}\u0000${row.wait}`;
          this.statements.set(key, (this.statements.get(key) ?? 0) + 1);
        }
        await new Promise((resolve) => setTimeout(resolve, this.everyMs));
      }
    })();
  }

  async stop(): Promise<PgActivity> {
    this.stopped = true;
    await this.loop;
    await this.client.end();
    const observations = [...this.statements.values()].reduce((a, b) => a + b, 0);
    const percent = (n: number, of: number) => Math.round((n / of) * 1000) / 10;
    return {
      samples: this.samples,
      activeBackends: Object.fromEntries([...this.counts.entries()].sort((a, b) => a[0] - b[0]).map(([n, c]) => [String(n), percent(c, this.samples)])),
      statements: [...this.statements.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([key, count]) => {
          const [statement = "", wait = ""] = key.split("\u0000");
          return { statement, wait, share: percent(count, observations) };
        }),
    };
  }
}
