import type { Database } from "./database";

/**
 * Keeps the pending list of the trigram index on object names (`objects_name_trgm_idx`) short,
 * from outside ingest's transactions.
 *
 * A GIN index with `fastupdate` (the default) appends new entries to a pending list, and the
 * insert that finds the list over `gin_pending_list_limit` moves all of it into the index
 * before its statement ends: for the name index, 45–115 ms (against 3 ms) on one batch in every
 * fifteen or so that create 240 objects, and on a loaded machine more. That batch's transaction,
 * and the webhook request waiting for it, pays for everyone's names. Here the list is moved
 * into the index every few seconds on a connection of its own (`gin_clean_pending_list`), and
 * migration `20261206050000_name_index_pending_list` sets the index's limit well above what
 * that leaves, so that inserts rarely reach it. The work is the same; it is no longer in a
 * batch's latency. (Moving the list in smaller pieces costs more in all: 240-object batches
 * into a fresh table, 1.3 s with the default 4 MB limit, 4.0 s with 256 kB; docs/storage.md.)
 */

export const NAME_INDEX = "objects_name_trgm_idx";

/** How often the list is moved into the index: at the benchmark's busiest, 4 MB of names take about a second. */
export const NAME_INDEX_CLEAN_INTERVAL_MS = 2_000;

/** Moves the pending list into the index; returns the pages it removed from the list (0: it was empty). */
export async function cleanNameIndexPendingList(db: Database): Promise<number> {
  const result = await db.query<{ pages: string | number }>(`SELECT gin_clean_pending_list('${NAME_INDEX}'::regclass) AS pages`);
  return Number(result.rows[0]!.pages);
}

/**
 * Cleans the list now and then, logging a failure once (and again only after a success), not on
 * every tick: a database user that does not own the index (the function needs ownership) would
 * otherwise fill the log.
 */
export class NameIndexCleaner {
  private failing = false;
  private inFlight: Promise<void> | null = null;

  constructor(
    private readonly db: Database,
    private readonly log: (message: string) => void = console.log,
  ) {}

  /** One clean; a clean already in progress is waited for instead of starting another. */
  runOnce(): Promise<void> {
    this.inFlight ??= cleanNameIndexPendingList(this.db)
      .then(() => {
        this.failing = false;
      })
      .catch((error: unknown) => {
        if (!this.failing) this.log(`name index: could not move its pending list into the index (gin_clean_pending_list): ${(error as Error).message}`);
        this.failing = true;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  /** Cleans every `intervalMs` until the returned function is called; that waits for a clean in progress, so the database can be closed after it. */
  start(intervalMs: number = NAME_INDEX_CLEAN_INTERVAL_MS): () => Promise<void> {
    const timer = setInterval(() => void this.runOnce(), intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await this.inFlight;
    };
  }
}

/** A cleaner started on `db`; see NameIndexCleaner. */
export function startNameIndexCleaner(db: Database, intervalMs: number = NAME_INDEX_CLEAN_INTERVAL_MS, log: (message: string) => void = console.log): () => Promise<void> {
  return new NameIndexCleaner(db, log).start(intervalMs);
}
