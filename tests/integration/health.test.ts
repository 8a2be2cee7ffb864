// /api/health when the database cannot be reached, through the real route handler: the public
// answer names the failed check with a fixed phrase and nothing of the driver's error (it can name
// hosts, users and databases); a caller bearing METRICS_TOKEN sees why.
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { stubAppEnv } from "../support/next-request";
import { testDatabaseUrl } from "./db";

vi.mock("@/lib/db", async (original) => {
  const real = await original<typeof import("@/lib/db")>();
  let unreachable: ReturnType<typeof real.createDb> | undefined;
  return {
    ...real,
    getDb: () => {
      unreachable ??= real.createDb("postgres://health_secret_user@127.0.0.1:1/health_secret_db");
      return unreachable;
    },
  };
});

stubAppEnv(testDatabaseUrl());
const TOKEN = randomBytes(24).toString("hex");
vi.stubEnv("METRICS_TOKEN", TOKEN);
vi.stubEnv("MALIPO_SPOOL_DIR", join(tmpdir(), `malipo-spool-${randomBytes(4).toString("hex")}`));

describe("health with the database unreachable", () => {
  it("answers 503 naming the database, and only the token's bearer sees the driver's error", async () => {
    const { GET } = await import("@/app/api/health/route");
    const open = await GET(new Request("http://localhost/api/health"));
    expect(open.status).toBe(503);
    const body = await open.json();
    expect(body).toMatchObject({
      status: "degraded",
      ready: false,
      failed: ["database"],
      database: { ok: false, error: "database unreachable" },
    });
    expect(Object.keys(body.database).sort()).toEqual(["error", "latencyMs", "ok"]);
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|health_secret|connect/i);

    const wrong = await GET(
      new Request("http://localhost/api/health", { headers: { authorization: "Bearer not-the-token" } }),
    );
    expect((await wrong.json()).database).not.toHaveProperty("detail");

    const operator = await GET(
      new Request("http://localhost/api/health", { headers: { authorization: `Bearer ${TOKEN}` } }),
    );
    expect(operator.status).toBe(503);
    const detailed = await operator.json();
    expect(detailed.database.error).toBe("database unreachable");
    expect(detailed.database.detail).toEqual(expect.any(String));
    expect(detailed.database.detail.length).toBeGreaterThan(0);
    expect(JSON.stringify(detailed)).not.toContain("postgres://");
  });
});
