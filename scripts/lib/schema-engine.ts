// Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm), driven through
// @prisma/adapter-pg. This is how migrations are created and diffed offline: the Prisma CLI would
// insist on downloading a native engine binary, which machines that reach only the npm registry cannot.
import { randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from "@prisma/driver-adapter-utils";
import type {
  MigrationDirectory,
  MigrationList,
  SchemaEngine,
  SchemaFilter,
  SchemasContainer,
} from "@prisma/schema-engine-wasm";
import pg from "pg";

const require = createRequire(import.meta.url);
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/** prisma.config.ts declares no external tables or enums. */
export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] };

type Glue = typeof import("@prisma/schema-engine-wasm") & {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
};

let gluePromise: Promise<Glue> | undefined;
/** Rejecters of the engine calls in progress, told when the engine panics. */
const panicListeners = new Set<(error: Error) => void>();

/** Node 20 cannot import a .wasm module, so the package's entry file is reproduced by hand. */
function loadGlue(): Promise<Glue> {
  gluePromise ??= (async () => {
    // Without a registry a Rust panic surfaces only as "unreachable executed", with no message.
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
      set_message(message: string) {
        console.error(`schema engine panicked: ${message}`);
        for (const reject of panicListeners) reject(new Error("the schema engine panicked (message above)"));
      },
    };
    const glue = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as Glue;
    const wasmPath = join(dirname(require.resolve("@prisma/schema-engine-wasm")), "schema_engine_bg.wasm");
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmPath)), {
      "./schema_engine_bg.js": glue as unknown as WebAssembly.ModuleImports,
    });
    glue.__wbg_set_wasm(instance.exports);
    const start = instance.exports.__wbindgen_start;
    if (typeof start === "function") start();
    return glue;
  })();
  return gluePromise;
}

/** The adapter-pg internals the patches below replace (not part of its public types). */
interface PgInternals {
  executeScript?(script: string): Promise<void>;
  underlyingDriver?(): { query(sql: string): Promise<unknown> };
  onError(error: unknown): never;
  performIO(query: unknown): Promise<{ fields: { dataTypeID: number }[]; rows: unknown[] }>;
  queryRaw(query: unknown): Promise<{ columnTypes: number[]; rows: unknown[] }>;
  startTransaction?(isolationLevel?: unknown): Promise<object>;
}

/**
 * Two adapter-pg 7.10 gaps the engine trips over. It cannot decode PostgreSQL's `"char"` (OID 18,
 * e.g. pg_constraint.contype) that introspection selects, and merely reading it as text makes the
 * engine panic ("Getting constraint_type … as char failed"): decode it as text, then report the
 * column as Character. And its executeScript splits scripts on every ";", which breaks function
 * bodies and comments in migrations: send the script whole (simple query protocol).
 */
function patchAdapter<T extends object>(target: T): T {
  const q = target as unknown as PgInternals;
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
      if (field.dataTypeID !== PG_CHAR_OID) return;
      field.dataTypeID = PG_TEXT_OID;
      indexes.push(i);
    });
    if (indexes.length > 0) charColumns.set(result.rows, indexes);
    return result;
  };
  const queryRaw = q.queryRaw.bind(q);
  q.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  if (q.startTransaction) {
    const startTransaction = q.startTransaction.bind(q);
    q.startTransaction = async (level) => patchAdapter(await startTransaction(level));
  }
  return target;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * The engine's adapter factory, keeping every adapter it hands out so they can all be closed when
 * the command ends, even after a panic. The shadow database is our own: adapter-pg 7.10's
 * connectToShadowDb reuses the main database when given a connection string, and drops the shadow
 * database before closing its pool.
 */
function migrationFactory(databaseUrl: string, shadowDatabaseUrl: string | undefined) {
  const open = new Set<SqlDriverAdapter>();
  const track = (adapter: SqlDriverAdapter, afterClose?: () => Promise<void>): SqlDriverAdapter => {
    const dispose = adapter.dispose.bind(adapter);
    open.add(adapter);
    adapter.dispose = async () => {
      if (!open.delete(adapter)) return;
      try {
        await dispose();
      } finally {
        await afterClose?.();
      }
    };
    return adapter;
  };
  const connect = async (url: string) =>
    patchAdapter(await new PrismaPg({ connectionString: url }).connect());

  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",
    connect: async () => track(await connect(databaseUrl)),
    async connectToShadowDb() {
      if (shadowDatabaseUrl) return track(await connect(shadowDatabaseUrl));
      const name = `prisma_migrate_shadow_db_${randomUUID().replaceAll("-", "_")}`;
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE "${name}"`);
      } catch (error) {
        await admin.end();
        throw new Error(`cannot create the shadow database (the role needs CREATEDB): ${errorText(error)}`);
      }
      const drop = async () => {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.end();
      };
      try {
        return track(await connect(withDatabase(databaseUrl, name)), drop);
      } catch (error) {
        await drop();
        throw error;
      }
    },
  };
  const closeAll = async () => {
    await Promise.allSettled([...open].map((adapter) => adapter.dispose()));
  };
  return { factory, closeAll };
}

export interface EngineOptions {
  schemaPath: string;
  /** The engine connects at start-up; also the server shadow databases are created on. */
  databaseUrl: string;
  shadowDatabaseUrl?: string;
}

/**
 * Runs `fn` with a schema engine loaded with the schema file, then closes every connection and
 * shadow database the engine opened, so nothing holds Prisma's migration lock afterwards.
 */
export async function withSchemaEngine<T>(
  options: EngineOptions,
  fn: (engine: SchemaEngine, schema: SchemasContainer) => Promise<T>,
): Promise<T> {
  const glue = await loadGlue();
  const content = readFileSync(options.schemaPath, "utf8");
  const { factory, closeAll } = migrationFactory(options.databaseUrl, options.shadowDatabaseUrl);
  const engine = await glue.SchemaEngine.new(
    { datamodels: [[options.schemaPath, content]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  // A panic inside an async engine call throws "unreachable" from a microtask, outside any
  // promise, and the call never settles: end the command through `panicked` instead, so the
  // connections and shadow database below are still closed.
  let onPanic: (error: Error) => void = () => {};
  const panicked = new Promise<never>((_, reject) => {
    onPanic = reject;
  });
  const swallowPanic = (error: unknown) => {
    if (error instanceof WebAssembly.RuntimeError) return;
    if (process.listenerCount("uncaughtException") > 1) return; // a test runner reports it
    console.error(error);
    process.exit(1);
  };
  panicListeners.add(onPanic);
  process.on("uncaughtException", swallowPanic);
  try {
    return await Promise.race([fn(engine, { files: [{ path: options.schemaPath, content }] }), panicked]);
  } catch (error) {
    if (error instanceof WebAssembly.RuntimeError)
      throw new Error("the schema engine panicked (message above)");
    throw error;
  } finally {
    panicListeners.delete(onPanic);
    await closeAll();
    process.off("uncaughtException", swallowPanic);
    try {
      engine.free();
    } catch {
      // After a panic the engine is still marked borrowed; its error would hide the real one.
    }
  }
}

/** The engine's view of a migrations folder, read the way Prisma's CLI reads it. */
export function migrationList(baseDir: string): MigrationList {
  const lockPath = join(baseDir, "migration_lock.toml");
  const migrationDirectories: MigrationDirectory[] = (
    existsSync(baseDir) ? readdirSync(baseDir, { withFileTypes: true }) : []
  )
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b))
    .map((dir) => {
      const file = join(baseDir, dir, "migration.sql");
      return {
        path: dir,
        migrationFile: {
          path: "migration.sql",
          content: existsSync(file)
            ? { tag: "ok", value: readFileSync(file, "utf8") }
            : { tag: "error", value: `${file} is missing` },
        },
      };
    });
  return {
    baseDir,
    lockfile: {
      path: "migration_lock.toml",
      content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null,
    },
    shadowDbInitScript: "",
    migrationDirectories,
  };
}

/** Engine errors arrive as Error objects, driver-adapter error records, or bare strings. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String(error.message);
  return String(error);
}
