import fs from "node:fs";
import path from "node:path";
import wasm from "@prisma/prisma-schema-wasm";
import type { Sql } from "./database";

/**
 * Compares the tables, columns, types, keys, indexes and enums that prisma/schema.prisma
 * declares with those of a live database. Prisma's own `migrate diff` needs the schema
 * engine binary, which we cannot ship; this reads the schema through Prisma's WASM
 * parser (the DMMF) and the database through its catalogs.
 */

export const SCHEMA_PATH = path.resolve(import.meta.dirname, "../../prisma/schema.prisma");

export interface SchemaShape {
  enums: Record<string, string[]>;
  tables: Record<string, TableShape>;
}

export interface TableShape {
  columns: Record<string, { type: string; nullable: boolean; default: string | null }>;
  primaryKey: string[];
  /** name → description, e.g. "unique btree (cluster_id, audit_id, stage)". */
  indexes: Record<string, string>;
  /**
   * name → description, e.g. "(cluster_id) -> clusters(id) on delete cascade". None with the
   * datasource's relationMode "prisma": then the relations exist only in the schema.
   */
  foreignKeys: Record<string, string>;
}

/** A relation the schema declares: `table(columns)` refers to `refTable(refColumns)`. */
export interface Reference {
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  /** "cascade", "restrict", …: what the database (or Prisma Client, emulating it) does on delete. */
  onDelete: string;
}

interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "object" | "enum";
  type: string;
  isRequired: boolean;
  isList: boolean;
  nativeType?: [string, string[]] | null;
  hasDefaultValue: boolean;
  default?: { name: string; args: unknown[] } | string | number | boolean;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  algorithm?: string;
  fields: Array<{ name: string; operatorClass?: string }>;
}

function scalarType(field: DmmfField, enums: Map<string, string>): string {
  if (field.kind === "enum") return enums.get(field.type) ?? field.type;
  const native = field.nativeType;
  if (native) {
    const [name, args] = native;
    const base: Record<string, string> = { Timestamptz: "timestamptz", Timestamp: "timestamp", VarChar: "varchar", Text: "text", Uuid: "uuid" };
    const t = base[name] ?? name.toLowerCase();
    return args.length ? `${t}(${args.join(",")})` : t;
  }
  const defaults: Record<string, string> = {
    String: "text",
    Int: "int4",
    BigInt: "int8",
    Boolean: "bool",
    DateTime: "timestamp(3)",
    Json: "jsonb",
    Float: "float8",
    Bytes: "bytea",
    Decimal: "numeric(65,30)",
  };
  return defaults[field.type] ?? field.type;
}

function defaultOf(field: DmmfField): string | null {
  if (!field.hasDefaultValue || field.default === undefined) return null;
  const d = field.default;
  if (typeof d === "object") {
    if (d.name === "autoincrement") return "autoincrement";
    if (d.name === "now") return "now";
    // As the database reads it back, with the cast the catalogue adds (see the columns below).
    if (d.name === "dbgenerated") return String(d.args[0]).replace(/^'(.*)'::[\w ]+$/, "$1");
    return d.name;
  }
  return String(d);
}

interface Dmmf {
  datamodel: { models: DmmfModel[]; enums: Array<{ name: string; dbName?: string | null; values: Array<{ name: string; dbName?: string | null }> }>; indexes: DmmfIndex[] };
}

const dmmfOf = (schemaText: string) => JSON.parse(wasm.get_dmmf(JSON.stringify({ prismaSchema: schemaText }))) as Dmmf;
const tableOf = (m: DmmfModel) => m.dbName ?? m.name;
function columnOf(m: DmmfModel, fieldName: string): string {
  const f = m.fields.find((x) => x.name === fieldName)!;
  return f.dbName ?? f.name;
}

/**
 * The datasource's relationMode: "foreignKeys" (Prisma's default) or "prisma" (no foreign keys
 * in the database). The DMMF and the WASM module's get_config leave it out, so it is read here.
 */
export function relationModeOf(schemaText: string): string {
  const datasource = /^datasource\s+\w+\s*\{([^}]*)\}/m.exec(schemaText)?.[1] ?? "";
  return /^\s*relationMode\s*=\s*"(\w+)"/m.exec(datasource)?.[1] ?? "foreignKeys";
}

/** Every relation schema.prisma declares, whether or not the database has a foreign key for it. */
export function declaredReferences(schemaText: string = fs.readFileSync(SCHEMA_PATH, "utf8")): Reference[] {
  const models = dmmfOf(schemaText).datamodel.models;
  const byName = new Map(models.map((m) => [m.name, m]));
  return models.flatMap((model) =>
    model.fields
      .filter((field) => field.kind === "object" && field.relationFromFields?.length)
      .map((field) => {
        const target = byName.get(field.type)!;
        return {
          table: tableOf(model),
          columns: field.relationFromFields!.map((f) => columnOf(model, f)),
          refTable: tableOf(target),
          refColumns: (field.relationToFields ?? []).map((f) => columnOf(target, f)),
          onDelete: (field.relationOnDelete ?? (field.isRequired ? "Restrict" : "SetNull")).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase(),
        };
      }),
  );
}

/**
 * The predicate of each partial index, by name: `@@index([...], map: "name", where: raw("..."))`
 * (the preview feature partialIndexes). The DMMF leaves predicates out, so they are read here.
 */
export function indexPredicatesOf(schemaText: string): Map<string, string> {
  const predicates = new Map<string, string>();
  for (const match of schemaText.matchAll(/@@(?:index|unique)\(([^\n]*)\)\s*$/gm)) {
    const args = match[1]!;
    const name = /\bmap:\s*"([^"]+)"/.exec(args)?.[1];
    const predicate = /\bwhere:\s*raw\("((?:[^"\\]|\\.)*)"\)/.exec(args)?.[1];
    if (name && predicate) predicates.set(name, normalisedPredicate(predicate));
  }
  return predicates;
}

/** A predicate as text to compare: outer parentheses and runs of spaces gone (Postgres adds and drops them). */
function normalisedPredicate(text: string): string {
  let t = text.trim().replace(/\s+/g, " ");
  while (t.startsWith("(") && t.endsWith(")")) t = t.slice(1, -1).trim();
  return t;
}

/** What schema.prisma declares. */
export function declaredSchema(schemaText: string = fs.readFileSync(SCHEMA_PATH, "utf8")): SchemaShape {
  const dmmf = dmmfOf(schemaText);
  const predicates = indexPredicatesOf(schemaText);
  const enumDbNames = new Map(dmmf.datamodel.enums.map((e) => [e.name, e.dbName ?? e.name]));
  const enums: SchemaShape["enums"] = {};
  for (const e of dmmf.datamodel.enums) enums[e.dbName ?? e.name] = e.values.map((v) => v.dbName ?? v.name);

  const tables: SchemaShape["tables"] = {};
  for (const model of dmmf.datamodel.models) {
    const table = tableOf(model);
    const shape: TableShape = { columns: {}, primaryKey: [], indexes: {}, foreignKeys: {} };
    for (const field of model.fields) {
      if (field.kind === "object") continue;
      shape.columns[field.dbName ?? field.name] = {
        type: scalarType(field, enumDbNames) + (field.isList ? "[]" : ""),
        nullable: !field.isRequired,
        default: defaultOf(field),
      };
    }
    for (const index of dmmf.datamodel.indexes.filter((i) => i.model === model.name)) {
      const cols = index.fields.map((f) => columnOf(model, f.name));
      if (index.type === "id") {
        shape.primaryKey = cols;
        continue;
      }
      const unique = index.type === "unique";
      const name = index.dbName ?? `${table}_${cols.join("_")}_${unique ? "key" : "idx"}`;
      const method = (index.algorithm ?? "BTree").toLowerCase();
      const colText = index.fields.map((f, i) => cols[i] + (f.operatorClass ? ` ${f.operatorClass.toLowerCase()}` : "")).join(", ");
      const predicate = predicates.get(name);
      shape.indexes[name] = `${unique ? "unique " : ""}${method} (${colText})${predicate ? ` where ${predicate}` : ""}`;
    }
    tables[table] = shape;
  }
  if (relationModeOf(schemaText) === "foreignKeys") {
    for (const ref of declaredReferences(schemaText)) {
      tables[ref.table]!.foreignKeys[`${ref.table}_${ref.columns.join("_")}_fkey`] =
        `(${ref.columns.join(", ")}) -> ${ref.refTable}(${ref.refColumns.join(", ")}) on delete ${ref.onDelete}`;
    }
  }
  return { enums, tables };
}

/** What the database has (public schema, without Prisma's own bookkeeping table). */
export async function actualSchema(sql: Sql): Promise<SchemaShape> {
  const enumRows = await sql.query<{ name: string; label: string }>(
    `SELECT t.typname AS name, e.enumlabel AS label FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' ORDER BY t.typname, e.enumsortorder`,
  );
  const enums: SchemaShape["enums"] = {};
  for (const row of enumRows.rows) (enums[row.name] ??= []).push(row.label);

  const columnRows = await sql.query<{ table_name: string; column_name: string; udt_name: string; data_type: string; is_nullable: string; column_default: string | null; datetime_precision: number | null }>(
    `SELECT table_name, column_name, udt_name, data_type, is_nullable, column_default, datetime_precision
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
      ORDER BY table_name, ordinal_position`,
  );
  const tables: SchemaShape["tables"] = {};
  for (const row of columnRows.rows) {
    const table = (tables[row.table_name] ??= { columns: {}, primaryKey: [], indexes: {}, foreignKeys: {} });
    let type = row.udt_name.replace(/^_/, "");
    if (type === "timestamptz" || type === "timestamp") type = `${type}(${row.datetime_precision})`;
    if (row.data_type === "ARRAY") type += "[]";
    let def: string | null = row.column_default;
    if (def?.startsWith("nextval(")) def = "autoincrement";
    else if (def === "CURRENT_TIMESTAMP" || def === "now()") def = "now";
    else if (def !== null) def = def.replace(/^'(.*)'::[\w ]+$/, "$1");
    table.columns[row.column_name] = { type, nullable: row.is_nullable === "YES", default: def };
  }

  const indexRows = await sql.query<{ table: string; name: string; is_primary: boolean; is_unique: boolean; method: string; columns: string[]; opclasses: string[]; predicate: string | null }>(
    `SELECT t.relname AS table, i.relname AS name, x.indisprimary AS is_primary, x.indisunique AS is_unique, am.amname AS method,
            pg_get_expr(x.indpred, x.indrelid) AS predicate,
            array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns,
            array(SELECT CASE WHEN oc.opcdefault THEN '' ELSE oc.opcname END FROM unnest(x.indclass) WITH ORDINALITY k(oid, ord)
                    JOIN pg_opclass oc ON oc.oid = k.oid ORDER BY k.ord)::text[] AS opclasses
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_am am ON am.oid = i.relam JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'`,
  );
  for (const row of indexRows.rows) {
    const table = tables[row.table];
    if (!table) continue;
    if (row.is_primary) {
      table.primaryKey = row.columns;
      continue;
    }
    const colText = row.columns.map((c, i) => c + (row.opclasses[i] ? ` ${row.opclasses[i]}` : "")).join(", ");
    const predicate = row.predicate === null ? "" : ` where ${normalisedPredicate(row.predicate)}`;
    table.indexes[row.name] = `${row.is_unique ? "unique " : ""}${row.method} (${colText})${predicate}`;
  }

  const fkRows = await sql.query<{ table: string; name: string; columns: string[]; ref_table: string; ref_columns: string[]; on_delete: string }>(
    `SELECT t.relname AS table, c.conname AS name, rt.relname AS ref_table,
            array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS columns,
            array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o)::text[] AS ref_columns,
            c.confdeltype AS on_delete
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class rt ON rt.oid = c.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace WHERE c.contype = 'f' AND n.nspname = 'public'`,
  );
  const actions: Record<string, string> = { a: "no action", r: "restrict", c: "cascade", n: "set null", d: "set default" };
  for (const row of fkRows.rows) {
    const table = tables[row.table];
    if (table) table.foreignKeys[row.name] = `(${row.columns.join(", ")}) -> ${row.ref_table}(${row.ref_columns.join(", ")}) on delete ${actions[row.on_delete]}`;
  }
  return { enums, tables };
}
