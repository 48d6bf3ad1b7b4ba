import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actualSchema, declaredSchema } from "./schemaParity";
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
});
