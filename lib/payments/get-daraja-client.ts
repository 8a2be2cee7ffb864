import type { DbClient } from "../db-types";
import { uuidV7 } from "../ids";
import { getMpesaCredentialOrThrow } from "../merchants/mpesa-credentials";
import { createDarajaClient, type DarajaClient } from "./daraja/client";
import { dbTokenStore } from "./daraja/db-token-store";
import type { DarajaCallRecord } from "./daraja/transport";
import type { PaymentsDeps } from "./deps";
import { reportDarajaCall } from "./observer";

/** A daraja_calls row as writeDarajaCalls stores it. */
export interface DarajaCallRow {
  merchantId: string | null;
  call: DarajaCallRecord;
}

/**
 * Stores Daraja call records (redacted by the transport) in daraja_calls, any number in one
 * statement: a single call's recorder writes one, the sweep a handful's at once
 * (follow-up-stk-payment.ts). Ids are version 7 UUIDs, as the model's default makes them.
 */
export async function writeDarajaCalls(db: DbClient, rows: readonly DarajaCallRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (call: DarajaCallRecord) => T) => rows.map((row) => pick(row.call));
  await db.$executeRaw`
    INSERT INTO daraja_calls (id, merchant_id, method, path, status, latency_ms, external_id,
      request_body, response_body, error, started_at)
    SELECT * FROM unnest(${rows.map(() => uuidV7())}::uuid[], ${rows.map((row) => row.merchantId)}::uuid[],
      ${column((call) => call.method)}::text[], ${column((call) => call.path.split("?")[0] ?? call.path)}::text[],
      ${column((call) => call.status)}::int[], ${column((call) => call.latencyMs)}::int[],
      ${column(
        (call) =>
          call.ids.checkoutRequestId ?? call.ids.originatorConversationId ?? call.ids.conversationId ?? null,
      )}::text[],
      ${column((call) => JSON.stringify(call.requestBody ?? {}))}::jsonb[],
      ${column((call) => JSON.stringify(call.responseBody ?? {}))}::jsonb[],
      ${column((call) => call.error)}::text[], ${column((call) => call.startedAt.toISOString())}::timestamptz[])`;
}

/**
 * A recorder that reports each call at once (metrics, its span) and keeps its row in `rows`, for
 * the caller to store with writeDarajaCalls (a handful's records in one statement).
 */
export function bufferedRecorder(merchantId: string, rows: DarajaCallRow[]) {
  return (call: DarajaCallRecord) => {
    reportDarajaCall(call);
    rows.push({ merchantId, call });
  };
}

/** Writes a Daraja call record; recording must never break the call it records. */
function recorder(db: DbClient, merchantId: string) {
  return async (call: DarajaCallRecord) => {
    reportDarajaCall(call);
    await writeDarajaCalls(db, [{ merchantId, call }]).catch(() => {});
  };
}

/**
 * A Daraja client for the merchant's current environment: its own credentials, tokens shared
 * through the database, every call recorded (redacted) in daraja_calls.
 */
export async function getDarajaClient(
  db: DbClient,
  deps: PaymentsDeps,
  options: { merchantId: string },
): Promise<DarajaClient> {
  const credential = await getMpesaCredentialOrThrow(db, deps.keyring, options.merchantId);
  return createDarajaClient(
    {
      environment: credential.environment,
      baseUrl: deps.darajaBaseUrl(credential.environment),
      consumerKey: credential.consumerKey,
      consumerSecret: credential.consumerSecret,
      stk: {
        shortcode: credential.stkShortcode,
        passkey: credential.passkey,
        tillNumber: credential.tillNumber ?? undefined,
      },
      shortcode: credential.shortcode,
      initiator: credential.initiator ?? undefined,
      c2bVersion: credential.c2bVersion,
      maxAmount: deps.maxAmount,
    },
    {
      tokenStore: dbTokenStore(db, deps.keyring),
      tokenKey: `${options.merchantId}:${credential.environment}`,
      fetch: deps.fetch,
      record: recorder(db, options.merchantId),
      now: deps.now,
    },
  );
}

/**
 * How long a client built by getReusedDarajaClient is kept. The secrets opened into it (consumer
 * key and secret, passkey, initiator password) and its OAuth token live in this process's memory
 * no longer than this after it was built; then it is dropped and the next send builds a new one.
 */
export const REUSED_CLIENT_MS = 30_000;

interface ReusedClient {
  /** The merchant's environment and credential row (id, updatedAt) the client was built from. */
  version: string;
  client: Promise<DarajaClient>;
}

/** Per database client and deps (their keyring, fetch and base URLs), per merchant. */
const reused = new WeakMap<object, WeakMap<PaymentsDeps, Map<string, ReusedClient>>>();

/**
 * The merchant's Daraja client for a run of sends (a payout batch, a stream of prompts), with its
 * callback secret.
 * One statement per call reads the callback secret and checks that the merchant's environment
 * and credential row are still those the client was built from, so a change in Settings applies
 * to the very next send; otherwise the client built by getDarajaClient is reused for up to
 * REUSED_CLIENT_MS, which spares the credential reads, their decryption and the token read on
 * every send (scripts/bench-payouts.ts measures it; initiate-stk-payment.ts uses it for prompts).
 */
export async function getReusedDarajaClient(
  db: DbClient,
  deps: PaymentsDeps,
  options: { merchantId: string },
): Promise<{ client: DarajaClient; merchant: { id: string; callbackSecret: string } }> {
  const [row] = await db.$queryRaw<
    { environment: string; callback_secret: string; credential_id: string | null; updated_at: Date | null }[]
  >`
    SELECT m.environment::text AS environment, m.callback_secret, c.id::text AS credential_id, c.updated_at
    FROM merchants m
    LEFT JOIN mpesa_credentials c ON c.merchant_id = m.id AND c.environment = m.environment
    WHERE m.id = ${options.merchantId}::uuid`;
  if (!row?.credential_id) {
    // No merchant, or no credentials: getDarajaClient says which in its own words.
    await getDarajaClient(db, deps, options);
    throw new Error("getDarajaClient built a client for a merchant without credentials");
  }
  const merchant = { id: options.merchantId, callbackSecret: row.callback_secret };
  const version = `${row.environment}:${row.credential_id}:${row.updated_at?.getTime()}`;

  const byDeps = reused.get(db) ?? new WeakMap<PaymentsDeps, Map<string, ReusedClient>>();
  reused.set(db, byDeps);
  const merchants = byDeps.get(deps) ?? new Map<string, ReusedClient>();
  byDeps.set(deps, merchants);
  const known = merchants.get(options.merchantId);
  if (known?.version === version) return { client: await known.client, merchant };

  const entry: ReusedClient = { version, client: getDarajaClient(db, deps, options) };
  merchants.set(options.merchantId, entry);
  const forget = () => {
    if (merchants.get(options.merchantId) === entry) merchants.delete(options.merchantId);
  };
  setTimeout(forget, REUSED_CLIENT_MS).unref();
  try {
    return { client: await entry.client, merchant };
  } catch (error) {
    forget();
    throw error;
  }
}
