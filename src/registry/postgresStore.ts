import pg from 'pg';
import { migrate } from './migrations.js';
import type {
  Activation,
  RegisteredOperation,
  RegistryState,
  RegistryStore,
  SubgraphVersion,
  SupergraphRecord,
} from './model.js';

type Queryable = Pick<pg.PoolClient, 'query'>;

export interface PostgresStoreOptions {
  /** `postgresql://user@host:port/database`. */
  readonly url: string;
  /** The schema holding the registry's tables (created if missing). @default 'public' */
  readonly schema?: string;
}

/**
 * The registry in PostgreSQL (`REGISTRY_DATABASE_URL`): tables created by the versioned
 * migrations at start; each publish is one transaction holding an exclusive lock on
 * `activations`, so concurrent publishes, from any number of registry instances, are composed one
 * after the other.
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<RegistryStore> {
  const schema = options.schema ?? 'public';
  const quoted = `"${schema.replace(/"/g, '""')}"`;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: 5,
    // why: every connection sees this schema's tables only.
    options: `-c search_path=${quoted}`,
  });
  pool.on('error', () => undefined); // an idle client lost: the pool replaces it
  const client = await pool.connect();
  try {
    await migrate(client, schema);
  } finally {
    client.release();
  }

  const state = (db: Queryable) => readState(db);
  return {
    state: () => state(pool),
    async currentId() {
      const { rows } = await pool.query<{ supergraph_id: string }>(
        'SELECT supergraph_id FROM activations ORDER BY seq DESC LIMIT 1',
      );
      return rows[0]?.supergraph_id;
    },
    supergraph: (id) => readSupergraph(pool, id),
    async versions(name) {
      const { rows } = await pool.query<VersionRow>(
        'SELECT * FROM subgraph_versions WHERE name = $1 ORDER BY version',
        [name],
      );
      return rows.map(toVersion);
    },
    async history() {
      const { rows } = await pool.query<ActivationRow>('SELECT * FROM activations ORDER BY seq');
      return rows.map(toActivation);
    },
    async transact(update) {
      const db = await pool.connect();
      try {
        await db.query('BEGIN');
        // why this lock: it serialises every writer (publish, rollback, operations) across
        // registry instances, while readers (gateway polls) go on.
        await db.query('LOCK TABLE activations IN SHARE ROW EXCLUSIVE MODE');
        const { changes, result } = await update(await state(db));
        if (changes?.subgraphVersion) {
          const v = changes.subgraphVersion;
          await db.query(
            'INSERT INTO subgraph_versions (name, version, sdl, url, commit, author) VALUES ($1, $2, $3, $4, $5, $6)',
            [v.name, v.version, v.sdl, v.url, v.commit ?? null, v.author ?? null],
          );
        }
        if (changes?.supergraph) {
          const s = changes.supergraph;
          await db.query(
            'INSERT INTO supergraphs (id, sdl, subgraphs) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
            [s.id, s.sdl, JSON.stringify(s.subgraphs)],
          );
        }
        if (changes?.activate) {
          const a = changes.activate;
          await db.query(
            'INSERT INTO activations (supergraph_id, action, subgraph, actor) VALUES ($1, $2, $3, $4)',
            [a.supergraphId, a.action, a.subgraph ?? null, a.actor],
          );
        }
        for (const op of changes?.operations ?? []) {
          await db.query(
            `INSERT INTO operations (name, id, type, body) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET id = $2, type = $3, body = $4, updated_at = now()`,
            [op.name, op.id, op.type, op.body],
          );
        }
        await db.query('COMMIT');
        return result;
      } catch (error) {
        await db.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        db.release();
      }
    },
    close: () => pool.end(),
  };
}

interface VersionRow {
  name: string;
  version: number;
  sdl: string;
  url: string;
  commit: string | null;
  author: string | null;
  created_at: Date;
}

interface ActivationRow {
  seq: string;
  supergraph_id: string;
  action: 'publish' | 'rollback';
  subgraph: string | null;
  actor: string;
  at: Date;
}

function toVersion(row: VersionRow): SubgraphVersion {
  return {
    name: row.name,
    version: row.version,
    sdl: row.sdl,
    url: row.url,
    ...(row.commit === null ? {} : { commit: row.commit }),
    ...(row.author === null ? {} : { author: row.author }),
    createdAt: row.created_at.toISOString(),
  };
}

function toActivation(row: ActivationRow): Activation {
  return {
    seq: Number(row.seq),
    supergraphId: row.supergraph_id,
    action: row.action,
    ...(row.subgraph === null ? {} : { subgraph: row.subgraph }),
    actor: row.actor,
    at: row.at.toISOString(),
  };
}

async function readSupergraph(db: Queryable, id: string): Promise<SupergraphRecord | undefined> {
  const { rows } = await db.query<{
    id: string;
    sdl: string;
    subgraphs: SupergraphRecord['subgraphs'];
    created_at: Date;
  }>('SELECT * FROM supergraphs WHERE id = $1', [id]);
  const row = rows[0];
  return (
    row && {
      id: row.id,
      sdl: row.sdl,
      subgraphs: row.subgraphs,
      createdAt: row.created_at.toISOString(),
    }
  );
}

async function readState(db: Queryable): Promise<RegistryState> {
  const { rows: last } = await db.query<{ supergraph_id: string }>(
    'SELECT supergraph_id FROM activations ORDER BY seq DESC LIMIT 1',
  );
  const current = last[0] ? await readSupergraph(db, last[0].supergraph_id) : undefined;
  const refs = current?.subgraphs ?? [];
  const { rows: versions } = await db.query<VersionRow>(
    `SELECT v.* FROM subgraph_versions v
     JOIN jsonb_to_recordset($1::jsonb) AS r(name text, version integer)
       ON v.name = r.name AND v.version = r.version
     ORDER BY v.name`,
    [JSON.stringify(refs)],
  );
  const { rows: latest } = await db.query<{ name: string; version: number }>(
    'SELECT name, max(version) AS version FROM subgraph_versions GROUP BY name',
  );
  const { rows: operations } = await db.query<RegisteredOperation>(
    'SELECT id, name, type, body FROM operations ORDER BY name',
  );
  return {
    current,
    subgraphs: versions.map(toVersion),
    latestVersions: new Map(latest.map((r) => [r.name, r.version])),
    operations,
  };
}
