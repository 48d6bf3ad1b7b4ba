import crypto from "node:crypto";
import type { Sql } from "./database";

/**
 * Returns the installation-wide value of `key`, generating it once with `generate`.
 * Every replica agrees: the first insert wins and the others read it.
 */
export async function settingOrGenerate(sql: Sql, key: string, generate: () => string = () => crypto.randomBytes(32).toString("hex")): Promise<string> {
  await sql.query(`INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, [key, generate()]);
  const result = await sql.query<{ value: string }>(`SELECT value FROM settings WHERE key = $1`, [key]);
  return result.rows[0]!.value;
}
