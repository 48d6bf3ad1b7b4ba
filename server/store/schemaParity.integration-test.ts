import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import { actualSchema, declaredReferences, declaredSchema, SCHEMA_PATH } from "./schemaParity";
import { openTestDatabase, STORE_KINDS, type TestDatabase } from "../testing/databases";

describe.each(STORE_KINDS)("migrated %s database", (kind) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(kind);
  });
  afterAll(() => test.dispose());

  it("has exactly the tables, columns, types, keys, indexes and enums that schema.prisma declares", async () => {
    const declared = declaredSchema();
    const actual = await actualSchema(test.db);
    expect(Object.keys(declared.tables).length).toBeGreaterThanOrEqual(7);
    expect(actual).toEqual(declared);
  });

  it("has no foreign keys: the schema's relations are kept by the code that writes and deletes", async () => {
    const actual = await actualSchema(test.db);
    expect(declaredReferences().length).toBeGreaterThanOrEqual(10);
    expect(Object.values(actual.tables).flatMap((table) => Object.keys(table.foreignKeys))).toEqual([]);
  });

  it("stores history's JSON as json and compresses it and object states (the audit writer's and the watch's) with lz4 when the server has lz4", async () => {
    // Whether this server was built with lz4: without, it answers feature_not_supported as the migration expects.
    let hasLz4 = true;
    await test.db.query(`CREATE TEMP TABLE lz4_probe (t text COMPRESSION lz4) ON COMMIT DROP`).catch((error: { code?: string }) => {
      if (error.code !== "0A000") throw error;
      hasLz4 = false;
    });
    if (kind === "pglite") expect(hasLz4).toBe(false);
    const columns = await test.db.query<{ column: string; type: string; compression: string }>(
      `SELECT c.relname || '.' || a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attcompression AS compression
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        WHERE (c.relname = 'history_entries' AND a.attname IN ('details', 'diff', 'snapshot')) OR (c.relname IN ('object_states', 'watched_states') AND a.attname = 'state')
        ORDER BY 1`,
    );
    const compression = hasLz4 ? "l" : "";
    expect(columns.rows).toEqual([
      { column: "history_entries.details", type: "json", compression },
      { column: "history_entries.diff", type: "json", compression },
      { column: "history_entries.snapshot", type: "json", compression },
      { column: "object_states.state", type: "text", compression },
      { column: "watched_states.state", type: "text", compression },
    ]);
  });
});

describe("the parity check", () => {
  it("notices a column the schema does not declare", async () => {
    const test = await openTestDatabase("pglite");
    try {
      await test.db.query(`ALTER TABLE objects ADD COLUMN surprise TEXT`);
      const actual = await actualSchema(test.db);
      expect(actual).not.toEqual(declaredSchema());
      expect(actual.tables.objects?.columns.surprise).toEqual({ type: "text", nullable: true, default: null });
    } finally {
      await test.dispose();
    }
  });

  it("notices a foreign key the schema does not declare", async () => {
    const test = await openTestDatabase("pglite");
    try {
      await test.db.query(`ALTER TABLE history_entries ADD CONSTRAINT history_entries_object_id_fkey FOREIGN KEY (object_id) REFERENCES objects (id)`);
      const actual = await actualSchema(test.db);
      expect(actual).not.toEqual(declaredSchema());
      expect(actual.tables.history_entries?.foreignKeys).toEqual({ history_entries_object_id_fkey: "(object_id) -> objects(id) on delete no action" });
    } finally {
      await test.dispose();
    }
  });

  it("expects the schema's relations as foreign keys when the datasource keeps Prisma's default relationMode", () => {
    const text = fs.readFileSync(SCHEMA_PATH, "utf8");
    const withForeignKeys = text.replace(/^\s*relationMode\s*=\s*"prisma"\s*$/m, "");
    expect(withForeignKeys).not.toBe(text);
    expect(declaredSchema(withForeignKeys).tables.relations?.foreignKeys).toMatchObject({
      relations_claimed_by_id_fkey: "(claimed_by_id) -> objects(id) on delete cascade",
    });
  });

  it("notices a missing index", async () => {
    const test = await openTestDatabase("pglite");
    try {
      await test.db.query(`DROP INDEX objects_name_trgm_idx`);
      const actual = await actualSchema(test.db);
      expect(declaredSchema().tables.objects?.indexes.objects_name_trgm_idx).toBe("gin (name gin_trgm_ops)");
      expect(actual.tables.objects?.indexes.objects_name_trgm_idx).toBeUndefined();
    } finally {
      await test.dispose();
    }
  });

  it("notices a partial index that covers other rows than the schema says", async () => {
    const test = await openTestDatabase("pglite");
    try {
      const declared = declaredSchema().tables.history_entries?.indexes.history_impersonator_time_idx;
      expect(declared).toBe("btree (impersonator, start_time) where impersonator IS NOT NULL");
      expect((await actualSchema(test.db)).tables.history_entries?.indexes.history_impersonator_time_idx).toBe(declared);
      await test.db.query(`DROP INDEX history_impersonator_time_idx`);
      await test.db.query(`CREATE INDEX history_impersonator_time_idx ON history_entries (impersonator, start_time)`);
      expect((await actualSchema(test.db)).tables.history_entries?.indexes.history_impersonator_time_idx).toBe("btree (impersonator, start_time)");
    } finally {
      await test.dispose();
    }
  });
});
