import pg from 'pg';

export const POSTGRES_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/**
 * Whether the test PostgreSQL answers. Under CI (CI=true) a missing PostgreSQL is a failure, never
 * a skip: use `describe.skipIf(!(await postgresAvailable()))` only through this helper.
 */
export async function postgresAvailable(url = POSTGRES_URL): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.CI === 'true')
      throw new Error(
        `PostgreSQL is required in CI but does not answer at ${url}: ${String(error)}`,
      );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A schema name of its own per test run, so parallel runs never share tables. */
export function uniqueSchema(name: string): string {
  return `test_${name}_${process.pid}_${Date.now().toString(36)}`.toLowerCase();
}

/** Drops a test schema and everything in it. */
export async function dropSchema(schema: string, url = POSTGRES_URL): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replace(/"/g, '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}
