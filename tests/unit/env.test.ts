import { describe, expect, it } from "vitest";
import { generateKeyringSpec } from "@/lib/crypto/keyring";
import { EnvError, parseEnv } from "@/lib/env";

const valid = {
  DATABASE_URL: "postgres://postgres@127.0.0.1:5432/malipo",
  AUTH_SECRET: "a".repeat(32),
  MALIPO_ENCRYPTION_KEYS: generateKeyringSpec("k1"),
};

describe("parseEnv", () => {
  it("accepts a minimal valid environment and fills defaults", () => {
    const env = parseEnv(valid);
    expect(env.PORT).toBe(3000);
    expect(env.LOG_LEVEL).toBe("info");
    expect(env.NODE_ENV).toBe("development");
    expect(env.TRUSTED_PROXY_HOPS).toBe(0);
  });

  it("names every missing or bad variable in one message", () => {
    let message = "";
    try {
      parseEnv({ PORT: "eighty", DATABASE_URL: "mysql://x@y/z" });
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      message = (error as Error).message;
    }
    expect(message).toContain("PORT");
    expect(message).toContain("DATABASE_URL: must be a postgres:// URL");
    expect(message).toContain("AUTH_SECRET: is required but not set");
    expect(message).toContain("MALIPO_ENCRYPTION_KEYS: is required but not set");
  });

  it("rejects a malformed encryption keyring with the reason", () => {
    expect(() => parseEnv({ ...valid, MALIPO_ENCRYPTION_KEYS: "k1:c2hvcnQ=" })).toThrow(/must be 32 bytes/);
  });

  it("treats empty strings as unset", () => {
    expect(() => parseEnv({ ...valid, AUTH_SECRET: "" })).toThrow(/AUTH_SECRET: is required/);
  });

  it("refuses production with a callback allowlist but no explicit TRUSTED_PROXY_HOPS", () => {
    const production = { ...valid, NODE_ENV: "production", MPESA_CALLBACK_ALLOWLIST: "196.201.214.200/32" };
    expect(() => parseEnv(production)).toThrow(EnvError);
    expect(() => parseEnv(production)).toThrow(/TRUSTED_PROXY_HOPS: must be set in production/);
    expect(parseEnv({ ...production, TRUSTED_PROXY_HOPS: "0" }).TRUSTED_PROXY_HOPS).toBe(0);
    expect(parseEnv({ ...production, TRUSTED_PROXY_HOPS: "2" }).TRUSTED_PROXY_HOPS).toBe(2);
    // Development, or no allowlist of one's own, keeps the default.
    expect(parseEnv({ ...production, NODE_ENV: "development" }).TRUSTED_PROXY_HOPS).toBe(0);
    expect(parseEnv({ ...valid, NODE_ENV: "production" }).TRUSTED_PROXY_HOPS).toBe(0);
  });

  it("refuses to disable rate limits in production", () => {
    expect(() => parseEnv({ ...valid, NODE_ENV: "production", DISABLE_RATE_LIMITS: "1" })).toThrow(
      /DISABLE_RATE_LIMITS/,
    );
  });
});

describe("Daraja base URLs", () => {
  it("picks Safaricom per environment, the simulator's port, or the MPESA_BASE_URL override", async () => {
    const { mpesaBaseUrl } = await import("@/lib/env");
    const env = parseEnv(valid);
    expect(mpesaBaseUrl("sandbox", env)).toBe("https://sandbox.safaricom.co.ke");
    expect(mpesaBaseUrl("production", env)).toBe("https://api.safaricom.co.ke");
    expect(mpesaBaseUrl("simulator", env)).toBe("http://127.0.0.1:4010");
    expect(mpesaBaseUrl("simulator", parseEnv({ ...valid, MPESA_SIM_PORT: "5050" }))).toBe(
      "http://127.0.0.1:5050",
    );
    const override = parseEnv({ ...valid, MPESA_BASE_URL: "https://daraja.internal/" });
    expect(mpesaBaseUrl("production", override)).toBe("https://daraja.internal");
  });
});
