import { afterEach, describe, expect, it } from "vitest";
import { STORE_KINDS, openTestDatabase, type TestDatabase } from "../testing/databases";
import { binaryArray, int4Array, int8Array, textArray, timestamptzArray } from "./arrayParam";

describe.each(STORE_KINDS)("array parameters on %s", (kind) => {
  let test: TestDatabase;
  afterEach(() => test.dispose());

  const texts = ['{"k":"v\\"q","b":"\\\\"}', "tab\there, comma", "", null, "üñí ☃ 𝄞", "NULL", "{a,b}", '"quoted"'];

  it("arrive as the values given: text with quotes, backslashes and braces, nulls, empty strings", async () => {
    test = await openTestDatabase(kind);
    const result = await test.db.query<{ t: string | null; i: string }>(`SELECT t, i::text FROM unnest($1::text[]) WITH ORDINALITY AS x(t, i) ORDER BY i`, [textArray(texts)]);
    expect(result.rows.map((row) => row.t)).toEqual(texts);
  });

  it("arrive as the values given: integers, timestamps to the millisecond, nulls", async () => {
    test = await openTestDatabase(kind);
    const big = [0, -1, 2 ** 53 - 1, -(2 ** 40), null];
    const small = [0, -2_147_483_648, 2_147_483_647, null, 42];
    const times = [new Date("2026-11-25T19:00:00.123Z"), new Date("1999-12-31T23:59:59.999Z"), null, new Date(0), new Date("2000-01-01T00:00:00.000Z")];
    const result = await test.db.query<{ b: string | null; s: number | null; t: string | null }>(
      `SELECT b::text, s, to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t
         FROM unnest($1::bigint[], $2::int[], $3::timestamptz[]) WITH ORDINALITY AS x(b, s, t, i) ORDER BY i`,
      [int8Array(big), int4Array(small), timestamptzArray(times)],
    );
    expect(result.rows.map((row) => row.b)).toEqual(big.map((v) => (v === null ? null : String(v))));
    expect(result.rows.map((row) => row.s)).toEqual(small);
    expect(result.rows.map((row) => row.t)).toEqual(times.map((t) => t?.toISOString() ?? null));
  });

  it("may be empty", async () => {
    test = await openTestDatabase(kind);
    const result = await test.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM unnest($1::text[], $2::bigint[])`, [textArray([]), int8Array([])]);
    expect(result.rows[0]!.n).toBe(0);
  });

  it("work in a transaction's statements too", async () => {
    test = await openTestDatabase(kind);
    await test.db.query(`CREATE TABLE array_probe (id bigint PRIMARY KEY, t text)`);
    await test.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO array_probe SELECT * FROM unnest($1::bigint[], $2::text[])`, [int8Array([1, 2]), textArray(["a\\b", null])]);
    });
    const rows = await test.db.query<{ id: number; t: string | null }>(`SELECT id, t FROM array_probe ORDER BY id`);
    expect(rows.rows).toEqual([
      { id: 1, t: "a\\b" },
      { id: 2, t: null },
    ]);
  });
});

describe("binaryArray", () => {
  it("refuses numbers that are not integers rather than sending something else", () => {
    expect(() => binaryArray(int8Array([1.5]))).toThrow(/not an integer/);
    expect(() => binaryArray(int4Array([Number.NaN]))).toThrow(/not an integer/);
    expect(() => binaryArray(timestamptzArray([new Date(Number.NaN)]))).toThrow(/invalid Date/);
  });

  it("writes int8 and timestamp elements as the two's-complement int64 Postgres reads", () => {
    const values = [0, 1, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 32) - 1, 2 ** 53 - 1, -(2 ** 53 - 1), 1_764_097_200_123_000];
    const bytes = binaryArray(int8Array(values));
    values.forEach((value, i) => {
      expect(bytes.readInt32BE(20 + i * 12)).toBe(8);
      expect(bytes.readBigInt64BE(24 + i * 12)).toBe(BigInt(value));
    });
    const times = [new Date("1970-01-01T00:00:00.000Z"), new Date("2026-11-25T21:30:01.523Z"), new Date(-8.64e15), new Date(8.64e15)];
    const timeBytes = binaryArray(timestamptzArray(times));
    times.forEach((time, i) => expect(timeBytes.readBigInt64BE(24 + i * 12)).toBe(BigInt(time.getTime() - Date.UTC(2000, 0, 1)) * 1000n));
  });

  it("writes array_send's layout: dimensions, null flag, element type, bounds, then length-prefixed elements", () => {
    const bytes = binaryArray(textArray(["ab", null]));
    expect([...bytes]).toEqual([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 25, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0x61, 0x62, 0xff, 0xff, 0xff, 0xff]);
  });
});
