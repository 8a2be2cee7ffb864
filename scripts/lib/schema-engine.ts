// Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), driven through
// @prisma/adapter-pg. This is how migrations are diffed offline: the Prisma CLI would insist on
// downloading a native engine binary (see ../shared/prisma-offline.md for what was learned).
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory, type SqlDriverAdapter } from "@prisma/driver-adapter-utils";
import type { DiffTarget, MigrationList, SchemaEngine } from "@prisma/schema-engine-wasm";
import pg from "pg";

const require = createRequire(import.meta.url);
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;
const COLUMN_TYPE_CHARACTER = 6; // ColumnTypeEnum.Character

type Glue = typeof import("@prisma/schema-engine-wasm") & {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
};

let gluePromise: Promise<Glue> | undefined;

/** Node 20 cannot import a .wasm module, so the package's entry is reproduced by hand. */
function loadGlue(): Promise<Glue> {
  gluePromise ??= (async () => {
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
      set_message(message: string) {
        console.error(`schema engine panicked: ${message}`);
      },
    };
    const glue = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as Glue;
    const wasmPath = join(dirname(require.resolve("@prisma/schema-engine-wasm")), "schema_engine_bg.wasm");
    const module = new WebAssembly.Module(readFileSync(wasmPath));
    const instance = new WebAssembly.Instance(module, {
      "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return glue;
  })();
  return gluePromise;
}

interface PatchableQueryable {
  executeScript?(script: string): Promise<void>;
  underlyingDriver?(): { query(sql: string): Promise<unknown> };
  onError(error: unknown): never;
  performIO(query: unknown): Promise<{ fields: { name: string; dataTypeID: number }[]; rows: unknown[] }>;
  queryRaw(query: unknown): Promise<{ columnTypes: number[]; rows: unknown[] }>;
  startTransaction?(isolationLevel?: unknown): Promise<unknown>;
}

/**
 * Two adapter-pg 7.10 gaps the engine trips over. It cannot decode PostgreSQL's `"char"` (OID 18,
 * e.g. pg_constraint.contype) that introspection selects: decode those columns as text, then
 * report them as Character. And its executeScript splits scripts on every ";", which breaks
 * function bodies and comments in migrations: send the script whole (simple query protocol).
 */
function patchAdapter<T extends object>(target: T): T {
  const q = target as unknown as PatchableQueryable;
  const driver = q.underlyingDriver?.();
  if (q.executeScript && driver) {
    q.executeScript = async (script) => {
      try {
        await driver.query(script);
      } catch (error) {
        q.onError(error);
      }
    };
  }
  const charColumns = new WeakMap<object, number[]>();
  const performIO = q.performIO.bind(q);
  q.performIO = async (query) => {
    const result = await performIO(query);
    const indexes: number[] = [];
    result.fields.forEach((field, i) => {
      if (field.dataTypeID === PG_CHAR_OID) {
        field.dataTypeID = PG_TEXT_OID;
        indexes.push(i);
      }
    });
    if (indexes.length > 0) charColumns.set(result.rows, indexes);
    return result;
  };
  const queryRaw = q.queryRaw.bind(q);
  q.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = COLUMN_TYPE_CHARACTER;
    return result;
  };
  if (q.startTransaction) {
    const startTransaction = q.startTransaction.bind(q);
    q.startTransaction = async (level) => patchAdapter((await startTransaction(level)) as object);
  }
  return target;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * The adapter factory the engine uses. Its shadow database is our own: adapter-pg 7.10's
 * connectToShadowDb reuses the main database when given a connection string, and drops the
 * shadow database before closing its pool.
 */
function migrationFactory(databaseUrl: string, shadowDatabaseUrl?: string) {
  const connect = async (url: string): Promise<SqlDriverAdapter> =>
    patchAdapter(await new PrismaPg({ connectionString: url }).connect());
  return {
    provider: "postgres" as const,
    adapterName: "@prisma/adapter-pg",
    connect: () => connect(databaseUrl),
    async connectToShadowDb(): Promise<SqlDriverAdapter> {
      if (shadowDatabaseUrl) return connect(shadowDatabaseUrl);
      const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll("-", "_")}`;
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${name}"`);
      const adapter = await connect(withDatabase(databaseUrl, name));
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      };
      return adapter;
    },
  };
}

export async function openSchemaEngine(options: {
  schemaPath: string;
  databaseUrl?: string;
  shadowDatabaseUrl?: string;
}): Promise<SchemaEngine> {
  const glue = await loadGlue();
  const datamodel = readFileSync(options.schemaPath, "utf8");
  const factory = migrationFactory(
    options.databaseUrl ?? "postgres://unused@127.0.0.1:1/none",
    options.shadowDatabaseUrl,
  );
  return glue.SchemaEngine.new(
    { datamodels: [[options.schemaPath, datamodel]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(factory),
  );
}

/** The engine's view of prisma/migrations. */
export function migrationList(baseDir: string): MigrationList {
  const lockPath = join(baseDir, "migration_lock.toml");
  const dirs = existsSync(baseDir)
    ? readdirSync(baseDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  return {
    baseDir,
    lockfile: {
      path: "migration_lock.toml",
      content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null,
    },
    shadowDbInitScript: "",
    migrationDirectories: dirs.map((dir) => {
      const file = join(baseDir, dir, "migration.sql");
      return {
        path: dir,
        migrationFile: {
          path: "migration.sql",
          content: existsSync(file)
            ? { tag: "ok", value: readFileSync(file, "utf8") }
            : { tag: "error", value: "missing" },
        },
      };
    }),
  } as MigrationList;
}

/** SQL that takes the database described by `from` to the one described by `to` ("" when none). */
export async function diffSql(engine: SchemaEngine, from: DiffTarget, to: DiffTarget): Promise<string> {
  const result = await engine.diff({
    from,
    to,
    script: true,
    exitCode: null,
    filters: { externalTables: [], externalEnums: [] },
  });
  const sql = (result.stdout ?? "").trim();
  return sql === "-- This is an empty migration." ? "" : sql;
}
