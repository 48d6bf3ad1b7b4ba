import { prepared, type Sql } from "./database";

/**
 * Whether a cluster may still hold audit receipts stored without their request's time
 * (request_received_at -infinity): those stored before the time was kept, and those a replica of
 * that version stores during a rolling deploy. While it may, recordReceipts takes an event of
 * such a receipt's auditID and stage for the one it records, so that re-importing a file imported
 * before the upgrade changes nothing; once retention has pruned them, that look costs nothing.
 *
 * Asked of the partial index audit_receipts_untimed_idx (empty on a database created since), by its first column, at
 * most once a minute per cluster: a replica of the version before may write such receipts until it
 * is replaced, so the answer is not kept for good either way.
 */
export class UntimedReceipts {
  private readonly known = new Map<number, { mayExist: boolean; askedAt: number }>();

  constructor(
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The last answer for the cluster while it is younger than maxAgeMs, else null. Synchronous, so
   * that ingest sends the receipts statement at once, ahead of the locks, when it needs no question.
   */
  freshAnswer(clusterId: number): boolean | null {
    const known = this.known.get(clusterId);
    return known !== undefined && this.now() - known.askedAt < this.maxAgeMs ? known.mayExist : null;
  }

  /** Whether the cluster may hold untimed receipts: asked of `sql` when the last answer is older than maxAgeMs. */
  async mayExist(sql: Sql, clusterId: number): Promise<boolean> {
    const fresh = this.freshAnswer(clusterId);
    if (fresh !== null) return fresh;
    const now = this.now();
    const result = await sql.query<{ exists: boolean }>(prepared("kt_untimed_receipts_exist", UNTIMED_RECEIPTS_EXIST_SQL), [clusterId]);
    const mayExist = result.rows[0]!.exists;
    this.known.set(clusterId, { mayExist, askedAt: now });
    return mayExist;
  }
}

export const UNTIMED_RECEIPTS_EXIST_SQL = `SELECT EXISTS (SELECT 1 FROM audit_receipts WHERE cluster_id = $1 AND request_received_at = '-infinity') AS exists`;
