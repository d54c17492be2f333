import type { PoolClient } from 'pg';

/**
 * The registry's PostgreSQL schema, one entry per version, applied in order. Never edit an applied
 * migration: add the next one.
 */
export const MIGRATIONS: readonly {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}[] = [
  {
    version: 1,
    name: 'history',
    sql: `
        CREATE TABLE subgraph_versions (
          name text NOT NULL,
          version integer NOT NULL,
          sdl text NOT NULL,
          url text NOT NULL,
          commit text,
          author text,
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (name, version)
        );
        CREATE TABLE supergraphs (
          id text PRIMARY KEY,
          sdl text NOT NULL,
          subgraphs jsonb NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE activations (
          seq bigserial PRIMARY KEY,
          supergraph_id text NOT NULL REFERENCES supergraphs (id),
          action text NOT NULL CHECK (action IN ('publish', 'rollback')),
          subgraph text,
          actor text NOT NULL,
          at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE operations (
          name text PRIMARY KEY,
          id text NOT NULL,
          type text NOT NULL,
          body text NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        );`,
  },
];

/**
 * Creates `schema` if missing and applies the migrations not yet recorded in its
 * `schema_migrations`, all in one transaction, under an advisory lock named after the schema:
 * registries starting together apply each migration once (and never race on `CREATE ... IF NOT
 * EXISTS`), and a failed migration leaves the schema as it was. Returns the versions applied.
 */
export async function migrate(client: PoolClient, schema: string): Promise<number[]> {
  const quoted = `"${schema.replace(/"/g, '""')}"`;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`registry:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted}.schema_migrations (
         version integer PRIMARY KEY,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>(
      `SELECT version FROM ${quoted}.schema_migrations`,
    );
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(
        `INSERT INTO ${quoted}.schema_migrations (version, name) VALUES ($1, $2)`,
        [migration.version, migration.name],
      );
      done.push(migration.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
