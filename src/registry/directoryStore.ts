import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type {
  Activation,
  RegisteredOperation,
  RegistryState,
  RegistryStore,
  SubgraphVersion,
  SupergraphRecord,
} from './model.js';
import { createMutex } from './mutex.js';

/** The mutable part: activations and operations, replaced as one file. */
interface Index {
  readonly activations: Activation[];
  readonly operations: RegisteredOperation[];
}

/**
 * The registry in a local folder, so `npm start` needs nothing installed:
 * `subgraphs/NAME/VERSION.json` and `supergraphs/ID.json` (immutable, written first), then
 * `index.json` (activations and operations) replaced by an atomic rename, which is the commit: a
 * crash before it leaves only unreferenced files. One registry process per folder; several
 * instances need the PostgreSQL store.
 */
export async function createDirectoryStore(dir: string): Promise<RegistryStore> {
  await fs.mkdir(path.join(dir, 'subgraphs'), { recursive: true });
  await fs.mkdir(path.join(dir, 'supergraphs'), { recursive: true });
  const indexFile = path.join(dir, 'index.json');
  const locked = createMutex();

  const readIndex = async (): Promise<Index> => {
    const text = await fs.readFile(indexFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    return text ? (JSON.parse(text) as Index) : { activations: [], operations: [] };
  };
  const readJson = async <T>(file: string): Promise<T | undefined> => {
    try {
      return JSON.parse(await fs.readFile(file, 'utf8')) as T;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
  const versionFile = (name: string, version: number) =>
    path.join(dir, 'subgraphs', name, `${version}.json`);
  const supergraph = (id: string) =>
    /^[0-9a-f]{64}$/.test(id)
      ? readJson<SupergraphRecord>(path.join(dir, 'supergraphs', `${id}.json`))
      : Promise.resolve(undefined);
  const versions = async (name: string): Promise<SubgraphVersion[]> => {
    const files = await fs.readdir(path.join(dir, 'subgraphs', name)).catch(() => []);
    const numbers = files.map((f) => Number(f.replace(/\.json$/, ''))).filter(Number.isInteger);
    const found = await Promise.all(
      numbers.sort((a, b) => a - b).map((n) => readJson<SubgraphVersion>(versionFile(name, n))),
    );
    return found.filter((v): v is SubgraphVersion => v !== undefined);
  };

  const state = async (): Promise<RegistryState> => {
    const index = await readIndex();
    const currentId = index.activations.at(-1)?.supergraphId;
    const current = currentId ? await supergraph(currentId) : undefined;
    const subgraphs = await Promise.all(
      (current?.subgraphs ?? []).map(({ name, version }) =>
        readJson<SubgraphVersion>(versionFile(name, version)),
      ),
    );
    const names = await fs.readdir(path.join(dir, 'subgraphs'));
    const latest = await Promise.all(
      names.map(async (name) => [name, (await versions(name)).at(-1)?.version ?? 0] as const),
    );
    return {
      current,
      subgraphs: subgraphs.filter((s): s is SubgraphVersion => s !== undefined),
      latestVersions: new Map(latest),
      operations: index.operations,
    };
  };

  return {
    state,
    supergraph,
    versions,
    async currentId() {
      return (await readIndex()).activations.at(-1)?.supergraphId;
    },
    async history() {
      return (await readIndex()).activations;
    },
    transact: (update) =>
      locked(async () => {
        const { changes, result } = await update(await state());
        if (!changes) return result;
        const now = new Date().toISOString();
        if (changes.subgraphVersion) {
          const version = { ...changes.subgraphVersion, createdAt: now };
          await fs.mkdir(path.join(dir, 'subgraphs', version.name), { recursive: true });
          await writeAtomically(versionFile(version.name, version.version), version, 'wx');
        }
        if (changes.supergraph && !(await supergraph(changes.supergraph.id))) {
          const file = path.join(dir, 'supergraphs', `${changes.supergraph.id}.json`);
          await writeAtomically(file, { ...changes.supergraph, createdAt: now });
        }
        const index = await readIndex();
        const activations = changes.activate
          ? [
              ...index.activations,
              { ...changes.activate, seq: index.activations.length + 1, at: now },
            ]
          : index.activations;
        const byName = new Map(index.operations.map((op) => [op.name, op]));
        for (const op of changes.operations ?? []) byName.set(op.name, op);
        const operations = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
        await writeAtomically(indexFile, { activations, operations });
        return result;
      }),
    close: () => Promise.resolve(),
  };
}

/**
 * Writes JSON to a temporary file and renames it into place, so readers never see half a file.
 * `wx` refuses to replace an existing file (stored versions are immutable).
 */
async function writeAtomically(
  file: string,
  value: unknown,
  flag: 'w' | 'wx' = 'w',
): Promise<void> {
  if (flag === 'wx') {
    const exists = await fs.stat(file).then(
      () => true,
      () => false,
    );
    if (exists) throw new Error(`${path.basename(file)} is already stored`);
  }
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await fs.rename(temporary, file);
}
