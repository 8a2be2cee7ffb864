// The one place that reads process.env. Every variable is validated with zod; a bad or missing
// value stops start-up with a message naming each one (instrumentation.ts calls getEnv() at boot).
import { z } from "zod";
import { parseKeyring } from "./crypto/keyring";
import { darajaBaseUrl } from "./payments/daraja/environments";

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const keyringString = z.string().superRefine((value, ctx) => {
  try {
    parseKeyring(value);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: (error as Error).message });
  }
});

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    /** Public base URL of this app: checkout links and Daraja callback URLs are built from it. */
    APP_URL: z.url().optional(),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" }),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters (try: openssl rand -base64 32)"),
    /** `keyId:base64key[,keyId:base64key…]`; the first key encrypts, all keys decrypt. */
    MALIPO_ENCRYPTION_KEYS: keyringString,
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /**
     * How many reverse proxies in front of the app append to X-Forwarded-For (0 = none: the
     * socket's peer is the client). Optional here so the refinement below knows whether it was set;
     * the parsed value defaults to 0.
     */
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(10).optional(),
    INNGEST_EVENT_KEY: z.string().min(1).optional(),
    INNGEST_SIGNING_KEY: z.string().min(1).optional(),
    INNGEST_DEV: z.string().optional(),
    INNGEST_BASE_URL: z.url().optional(),
    /** Port of the local Daraja simulator (used by merchants whose environment is `simulator`). */
    MPESA_SIM_PORT: z.coerce.number().int().min(1).max(65535).default(4010),
    /** Sends every Daraja call to this server instead (any Daraja-compatible server). */
    MPESA_BASE_URL: z.url().optional(),
    /** Credentials the simulator accepts (any non-empty pair when unset). */
    MPESA_CONSUMER_KEY: z.string().min(1).optional(),
    MPESA_CONSUMER_SECRET: z.string().min(1).optional(),
    /** Largest single payment accepted, whole KES (Daraja's ceiling is 250,000). */
    MPESA_MAX_AMOUNT: z.coerce.number().int().min(1).max(250_000).default(250_000),
    /** Payouts the Inngest submit function sends to Daraja per second and merchant (its throttle). */
    PAYOUT_SUBMIT_PER_SECOND: z.coerce.number().int().min(1).max(50).default(2),
    /** Addresses Daraja callbacks may come from (sandbox and production merchants), comma-separated CIDRs. */
    MPESA_CALLBACK_ALLOWLIST: z.string().optional(),
    /** Where callbacks are kept on disk if the database cannot take them. */
    MALIPO_SPOOL_DIR: z.string().default(".malipo/spool"),
    DISABLE_RATE_LIMITS: bool.default(false),
    /**
     * Lets webhooks reach http and private addresses in a production build: for the end-to-end
     * tests' local receiver only, never a real deployment (it turns the SSRF guard off).
     */
    WEBHOOKS_ALLOW_PRIVATE_TARGETS: bool.default(false),
    /** Bearer token for GET /api/metrics; when unset the endpoint answers 404 (outside development). */
    METRICS_TOKEN: z
      .string()
      .min(16, "must be at least 16 characters (try: openssl rand -hex 24)")
      .optional(),
    /** OpenTelemetry: traces are exported over OTLP/HTTP only when one of these endpoints is set. */
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
    OTEL_SERVICE_NAME: z.string().optional(),
    OTEL_SDK_DISABLED: z.string().optional(),
    OTEL_TRACES_EXPORTER: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === "production" && env.DISABLE_RATE_LIMITS) {
      ctx.addIssue({ code: "custom", path: ["DISABLE_RATE_LIMITS"], message: "cannot be set in production" });
    }
    // Behind a proxy, 0 would judge the allowlist and sign-in limits by the proxy's own address.
    if (
      env.NODE_ENV === "production" &&
      env.MPESA_CALLBACK_ALLOWLIST &&
      env.TRUSTED_PROXY_HOPS === undefined
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["TRUSTED_PROXY_HOPS"],
        message:
          "must be set in production when MPESA_CALLBACK_ALLOWLIST is: 0 if clients connect to Malipo directly, else the number of reverse proxies in front of it",
      });
    }
  })
  .transform((env) => ({ ...env, TRUSTED_PROXY_HOPS: env.TRUSTED_PROXY_HOPS ?? 0 }));

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  override name = "EnvError";
}

/** Validates a raw environment; throws one EnvError listing every bad or missing variable. */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    const missing = issue.code === "invalid_type" && cleaned[name] === undefined;
    return `  - ${name}: ${missing ? "is required but not set" : issue.message}`;
  });
  throw new EnvError(
    `Malipo cannot start: invalid configuration.\n${lines.join("\n")}\nSee .env.example for every variable.`,
  );
}

let cached: Env | undefined;

/**
 * `next build` imports route modules without a runtime environment. Placeholders let it finish;
 * they never serve anything: the server (scripts/serve.ts) is a new process that validates.
 */
const BUILD_PLACEHOLDERS = {
  DATABASE_URL: "postgres://build-placeholder@localhost/none",
  AUTH_SECRET: "build-placeholder-build-placeholder",
  MALIPO_ENCRYPTION_KEYS: `build:${Buffer.alloc(32).toString("base64")}`,
};

/** The validated environment of this process (parsed once, on first use). */
export function getEnv(): Env {
  if (!cached) {
    const building = process.env.NEXT_PHASE === "phase-production-build";
    cached = parseEnv(building ? { ...BUILD_PLACEHOLDERS, ...process.env } : process.env);
  }
  return cached;
}

/** Where Daraja calls go for an environment: MPESA_BASE_URL, else the simulator or Safaricom. */
export function mpesaBaseUrl(
  environment: "simulator" | "sandbox" | "production",
  env: Env = getEnv(),
): string {
  return darajaBaseUrl(environment, {
    override: env.MPESA_BASE_URL,
    simulatorUrl: `http://127.0.0.1:${env.MPESA_SIM_PORT}`,
  });
}

/** The app's public base URL, without a trailing slash. */
export function appUrl(env: Env = getEnv()): string {
  return (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, "");
}
