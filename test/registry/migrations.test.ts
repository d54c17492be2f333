/** The PostgreSQL store's migrations on the PostgreSQL this machine runs, in a schema of its own. */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/registry/migrations.js';
import { createPostgresStore } from '../../src/registry/postgresStore.js';
import { POSTGRES_URL, dropSchema, postgresAvailable, uniqueSchema } from '../helpers/postgres.js';

const schema = uniqueSchema('migrations');

describe.skipIf(!(await postgresAvailable()))('registry migrations', () => {
  afterAll(() => dropSchema(schema));

  it('apply once, even when registries start together, and again as a no-op', async () => {
    const stores = await Promise.all(
      [1, 2, 3].map(() => createPostgresStore({ url: POSTGRES_URL, schema })),
    );
    const again = await createPostgresStore({ url: POSTGRES_URL, schema });
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>(
        `SELECT version FROM "${schema}".schema_migrations ORDER BY version`,
      );
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    } finally {
      await client.end();
    }
    expect(await again.currentId()).toBeUndefined();
    await Promise.all([...stores, again].map((s) => s.close()));
  });
});
