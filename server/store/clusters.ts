import type { Sql } from "./database";

/** Cluster ids by name, created on first use; names never change, so caching is safe. */
export class ClusterRegistry {
  private readonly ids = new Map<string, number>();

  constructor(private readonly sql: Sql) {}

  /** The id of a cluster this registry has already looked up or created. */
  known(name: string): number | undefined {
    return this.ids.get(name);
  }

  async idOf(name: string): Promise<number> {
    const cached = this.ids.get(name);
    if (cached !== undefined) return cached;
    const inserted = await this.sql.query<{ id: number }>(
      `INSERT INTO clusters (name) VALUES ($1) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`,
      [name],
    );
    const id = Number(inserted.rows[0]!.id);
    this.ids.set(name, id);
    return id;
  }
}
