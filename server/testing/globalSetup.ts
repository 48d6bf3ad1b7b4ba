import pg from "pg";
import { TEST_POSTGRES_ADMIN_URL } from "./databases";

/**
 * Fails fast, with the fix in the message, when the test Postgres server is unreachable:
 * integration tests run against a real server, never a mock.
 */
export default async function setup(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw new Error(
      `integration tests need a Postgres server at ${TEST_POSTGRES_ADMIN_URL} (set KUBETRAIL_TEST_POSTGRES_URL): ${(error as Error).message}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
