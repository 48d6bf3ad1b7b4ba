import { prepared, type Sql } from "./database";

/**
 * Ids for new `objects` rows, drawn from `objects_id_seq` in blocks and handed out per batch.
 *
 * A batch needs the ids of the objects it creates while it builds its rows, in one synchronous
 * pass, so that the bodies it was given are garbage as soon as the pass ends instead of living
 * on through the statements that follow. Drawing a block ahead also saves a round trip on most
 * batches that create objects.
 *
 * Sequence values are never handed out twice, whatever transaction drew them, so a pool may
 * keep ids across batches and transactions (a rolled-back batch returns what it did not use;
 * what it used is simply never seen). Ids left in the pool when the process ends are gaps in
 * the sequence, as Postgres's own sequence cache leaves.
 */
export class ObjectIdPool {
  private readonly free: number[] = [];

  constructor(private readonly blockSize = 1024) {}

  /** `count` ids for the caller alone; give back what is left unused with `giveBack`. */
  async take(sql: Sql, count: number): Promise<number[]> {
    // Concurrent batches share the pool: after an await, another may have taken what was drawn.
    while (this.free.length < count) {
      const wanted = Math.max(count - this.free.length, this.blockSize);
      const drawn = await sql.query<{ id: number }>(prepared("kt_draw_object_ids", `SELECT nextval('objects_id_seq') AS id FROM generate_series(1, $1)`), [wanted]);
      for (const row of drawn.rows) this.free.push(Number(row.id));
    }
    return this.free.splice(0, count);
  }

  giveBack(ids: readonly number[]): void {
    this.free.unshift(...ids);
  }

  /** How many ids are drawn and not handed out. */
  get size(): number {
    return this.free.length;
  }
}
