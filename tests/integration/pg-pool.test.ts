// PostgreSQL closing an idle connection (a restart, a failover, an administrator) must not take
// the server down: every plain pg pool the app makes survives it and serves the next query.
import { afterAll, describe, expect, it } from "vitest";
import { createPgPool } from "@/lib/db";
import { testDatabaseUrl, testDb } from "./db";

describe("createPgPool", () => {
  const db = testDb();
  const pool = createPgPool(testDatabaseUrl(), { max: 1, name: "malipo-test-pool" });
  afterAll(() => pool.end());

  it("survives PostgreSQL terminating its idle connection and reconnects", async () => {
    const { rows } = await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    const pid = rows[0]?.pid;
    expect(pid).toBeTypeOf("number");
    // The connection is idle in the pool now; without an `error` listener the pool's emit would
    // be an uncaught exception (the process exits; here Vitest fails the run).
    await db.$queryRaw`SELECT pg_terminate_backend(${pid}::int)`;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const again = await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    expect(again.rows[0]?.pid).not.toBe(pid);
  });
});
