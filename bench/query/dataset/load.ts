import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { uuidOf } from "../../ingest/workload/clock";
import { copyText, copyTimestamp, copyValue, COPY_NULL } from "./copyText";
import { render, TOKEN_INDEX, TOKENS } from "./templates";
import type { World, WorldEntry, WorldObject } from "./world";

/**
 * Writes the simulated world with COPY, in the order a live ingest would have: objects by
 * first write, history entries by time (so one object's entries are spread over the table as
 * they would be, not stored side by side), then VACUUM ANALYZE, as autovacuum would have done
 * by then. FK triggers are skipped during the load (session_replication_role = replica): the
 * rows are consistent by construction. object_states and audit_receipts are not filled: no
 * query of the benchmark reads them.
 */

export interface LoadStats {
  table: string;
  rows: number;
  MiB: number;
  seconds: number;
}

const ROWS_PER_CHUNK = 500;

async function copyRows(client: pg.Client, table: string, columns: string[], rows: Iterable<string>): Promise<LoadStats> {
  const started = performance.now();
  let count = 0;
  let bytes = 0;
  function* chunks(): Generator<string> {
    let chunk = "";
    let inChunk = 0;
    for (const row of rows) {
      chunk += row;
      count++;
      if (++inChunk === ROWS_PER_CHUNK) {
        bytes += Buffer.byteLength(chunk);
        yield chunk;
        chunk = "";
        inChunk = 0;
      }
    }
    if (chunk !== "") {
      bytes += Buffer.byteLength(chunk);
      yield chunk;
    }
  }
  await pipeline(Readable.from(chunks()), client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`)));
  return { table, rows: count, MiB: Math.round((bytes / 2 ** 20) * 10) / 10, seconds: Math.round((performance.now() - started) / 100) / 10 };
}

function* objectRows(objects: WorldObject[], clusterId: number): Generator<string> {
  for (const o of objects) {
    yield [o.id, clusterId, copyText(o.apiGroup), o.apiVersion, o.resource, o.kind, copyText(o.namespace), copyText(o.name), o.uid, copyTimestamp(o.firstSeen), copyTimestamp(o.lastSeen), o.deletedAt === null ? COPY_NULL : copyTimestamp(o.deletedAt)].join("\t") + "\n";
  }
}

function* relationRows(world: World, clusterId: number): Generator<string> {
  const id = (index: number) => world.objects[index]!.id;
  for (const r of [...world.relations].sort((a, b) => a.validFrom - b.validFrom)) {
    yield [clusterId, id(r.from), id(r.to), r.kind, copyTimestamp(r.validFrom), r.validTo === null ? COPY_NULL : copyTimestamp(r.validTo), id(r.claimedBy)].join("\t") + "\n";
  }
}

function* historyRows(world: World, clusterId: number, auditSpace: number): Generator<string> {
  const { objects } = world;
  const values: string[] = TOKENS.map(() => "");
  const dates = new Map<number, string>();
  const dateOf = (t: number) => {
    const day = Math.floor(t / 86_400_000_000);
    let text = dates.get(day);
    if (text === undefined) dates.set(day, (text = new Date(day * 86_400_000).toISOString().slice(0, 10)));
    return text;
  };
  let n = 0;
  for (const entry of world.entries as WorldEntry[]) {
    const object = objects[entry.object]!;
    const parent = object.parent >= 0 ? objects[object.parent]! : null;
    const pod = entry.pod >= 0 ? objects[entry.pod]! : null;
    const nodeOf = pod ?? object;
    const t = entry.template;
    const actor = entry.actor?.username ?? t.actor;
    values[TOKEN_INDEX.namespace] = object.namespace;
    values[TOKEN_INDEX.name] = object.name;
    values[TOKEN_INDEX.uid] = object.uid;
    values[TOKEN_INDEX.parentName] = parent?.name ?? "";
    values[TOKEN_INDEX.parentUid] = parent?.uid ?? "";
    values[TOKEN_INDEX.node] = nodeOf.node >= 0 ? objects[nodeOf.node]!.name : "";
    values[TOKEN_INDEX.pod] = pod?.name ?? "";
    values[TOKEN_INDEX.actor] = actor;
    values[TOKEN_INDEX.date] = dateOf(entry.t);
    yield [
      object.id,
      clusterId,
      "audit",
      copyTimestamp(entry.t),
      copyTimestamp(entry.t + t.durationMicros),
      copyText(actor),
      t.verb,
      t.subresource,
      copyValue(t.statusCode),
      copyText(actor + t.titleSuffix),
      uuidOf(auditSpace, ++n),
      copyValue(t.stage),
      copyValue(entry.actor?.userAgent ?? t.userAgent),
      render(t.details, values),
      t.diff === null ? COPY_NULL : render(t.diff, values),
      t.snapshot === null ? COPY_NULL : render(t.snapshot, values),
      t.noop ? "t" : "f",
    ].join("\t") + "\n";
  }
}

/** Loads `world` as cluster `clusterName`; returns what each table took. */
export async function loadWorld(url: string, world: World, clusterName: string, log: (line: string) => void): Promise<LoadStats[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET session_replication_role = replica");
    const clusterId = Number((await client.query<{ id: number }>(`INSERT INTO clusters (name) VALUES ($1) RETURNING id`, [clusterName])).rows[0]!.id);
    const base = Number((await client.query<{ max: number }>(`SELECT coalesce(max(id), 0) AS max FROM objects`)).rows[0]!.max);
    // Ids in order of first write, as ingest hands them out.
    const byFirstWrite = [...world.objects].sort((a, b) => a.firstSeen - b.firstSeen);
    byFirstWrite.forEach((object, index) => (object.id = base + 1 + index));

    const stats: LoadStats[] = [];
    stats.push(await copyRows(client, "objects", ["id", "cluster_id", "api_group", "api_version", "resource", "kind", "namespace", "name", "uid", "first_seen", "last_seen", "deleted_at"], objectRows(byFirstWrite, clusterId)));
    log(`  objects: ${stats.at(-1)!.rows} rows in ${stats.at(-1)!.seconds} s`);
    await client.query(`SELECT setval('objects_id_seq', $1)`, [base + byFirstWrite.length]);
    stats.push(await copyRows(client, "relations", ["cluster_id", "from_object_id", "to_object_id", "kind", "valid_from", "valid_to", "claimed_by_id"], relationRows(world, clusterId)));
    log(`  relations: ${stats.at(-1)!.rows} rows in ${stats.at(-1)!.seconds} s`);
    stats.push(
      await copyRows(
        client,
        "history_entries",
        ["object_id", "cluster_id", "source", "start_time", "end_time", "actor", "verb", "subresource", "status_code", "title", "audit_id", "stage", "user_agent", "details", "diff", "snapshot", "noop"],
        historyRows(world, clusterId, 0x6b71_0000 + clusterId),
      ),
    );
    log(`  history_entries: ${stats.at(-1)!.rows} rows, ${stats.at(-1)!.MiB} MiB of COPY text in ${stats.at(-1)!.seconds} s`);
    const started = performance.now();
    await client.query("VACUUM (ANALYZE) objects, relations, history_entries, clusters");
    stats.push({ table: "VACUUM ANALYZE", rows: 0, MiB: 0, seconds: Math.round((performance.now() - started) / 100) / 10 });
    log(`  VACUUM ANALYZE in ${stats.at(-1)!.seconds} s`);
    return stats;
  } finally {
    await client.end();
  }
}
