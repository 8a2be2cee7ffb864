// `npm run seed:large [-- --count 1000000] [--merchant <slug>] [--replace]`: fills one merchant
// (the demo merchant by default, created if missing) with N payments over the last 90 days, for
// measuring the dashboard at scale (`npm run bench:dashboard`). Rows are generated inside
// PostgreSQL (INSERT … SELECT generate_series) in time order, as real traffic arrives; phone
// numbers come from a pool of 5,000 sealed and hashed with the app's own keyring, so the phone
// filter finds them. Uses DATABASE_URL, else the embedded database `npm run dev` starts.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import nextEnv from "@next/env";
import pg from "pg";
import { type Keyring, parseKeyring } from "../lib/crypto/keyring";
import { lookupHash, seal } from "../lib/crypto/seal";
import { createDb } from "../lib/db";
import { phoneContext } from "../lib/payments/collections/initiate-stk-payment";
import { maskPhone } from "../lib/redact";
import { DEMO_MERCHANTS, seedDemo } from "../prisma/seed";
import { applyMigrations } from "./lib/apply-migrations";
import { loadLocalState } from "./lib/local-state";

const root = join(import.meta.dirname, "..");
const PHONE_POOL = 5_000;
const CHUNK = 100_000;
const DAYS = 90;

/** The database and keyring `npm run dev` would use: .env files, then .malipo/local.json. */
export function localConfig(): { databaseUrl: string; keyring: Keyring } {
  nextEnv.loadEnvConfig(root, true, { info: () => {}, error: console.error });
  const port = process.env.MALIPO_PG_PORT || "54329";
  const keys =
    process.env.MALIPO_ENCRYPTION_KEYS || loadLocalState(join(root, ".malipo", "local.json")).encryptionKeys;
  return {
    databaseUrl: process.env.DATABASE_URL || `postgres://postgres@127.0.0.1:${port}/malipo`,
    keyring: parseKeyring(keys),
  };
}

/** The merchant to fill: --merchant <slug>, else the demo merchant (seeded when missing). */
async function resolveMerchant(databaseUrl: string, keyring: Keyring, slug: string | undefined) {
  const db = createDb(databaseUrl, { max: 2 });
  try {
    const wanted = slug ?? DEMO_MERCHANTS[0].slug;
    let merchant = await db.merchant.findUnique({ where: { slug: wanted } });
    if (!merchant && !slug) {
      const local = loadLocalState(join(root, ".malipo", "local.json"));
      await seedDemo(db, {
        password: process.env.DEMO_PASSWORD || local.demoPassword,
        apiKey: process.env.DEMO_API_KEY || local.demoApiKey,
        keyring,
      });
      merchant = await db.merchant.findUnique({ where: { slug: wanted } });
    }
    if (!merchant) throw new Error(`no merchant with slug "${wanted}"`);
    return merchant;
  } finally {
    await db.$disconnect();
  }
}

/** Distinct Kenyan mobile numbers, sealed exactly as initiateStkPayment stores them. */
function phonePool(keyring: Keyring, merchantId: string) {
  const numbers = new Set<string>();
  while (numbers.size < PHONE_POOL) {
    const prefix = Math.random() < 0.85 ? "2547" : "2541";
    numbers.add(`${prefix}${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`);
  }
  const msisdns = [...numbers];
  return {
    sealed: msisdns.map((n) => seal(keyring, n, phoneContext(merchantId))),
    hashes: msisdns.map((n) => lookupHash(keyring, n, "phone")),
    masked: msisdns.map(maskPhone),
  };
}

// One chunk of rows $3..$4 (1-based) out of $5, spread evenly from now() - 90 days to now() with
// jitter, in time order. `r` decides the status (about 86% paid, 6% failed, 4% cancelled, 3.5%
// timed out, 0.3% needs review, 0.1% reversed; only the last five minutes are still pending);
// amounts are log-uniform from KES 10 to 20,000. One customer makes 2% of the payments and one
// reference in ten is the same ("SHOP", as tills often send). Ids are UUIDv7 from the creation time.
const INSERT_CHUNK = `
WITH src AS (
  SELECT g, random() AS r,
         CASE WHEN random() < 0.02 THEN 1 ELSE 1 + floor(random() * ${PHONE_POOL})::int END AS phone,
         greatest(1, round(exp(ln(10) + random() * (ln(20000) - ln(10)))))::int AS amount,
         now() - make_interval(days => ${DAYS}) + (g - 1 + random()) * make_interval(days => ${DAYS}) / $5 AS created_at
  FROM generate_series($3::int, $4::int) AS g
), rows AS (
  SELECT src.*, p.sealed, p.hash, p.masked,
         CASE
           WHEN created_at > now() - interval '5 minutes' THEN 'pending'
           WHEN r < 0.86 THEN 'paid'
           WHEN r < 0.92 THEN 'failed'
           WHEN r < 0.96 THEN 'cancelled'
           WHEN r < 0.996 THEN 'timed_out'
           WHEN r < 0.999 THEN 'needs_review'
           ELSE 'reversed'
         END::"PaymentStatus" AS status
  FROM src JOIN seed_phones p ON p.n = src.phone
)
INSERT INTO payments (id, merchant_id, amount, phone_sealed, phone_hash, phone_masked, reference, description,
                      status, merchant_request_id, checkout_request_id, receipt, result_code, result_desc,
                      paid_amount, payer_phone_masked, settled_at, created_at, updated_at)
SELECT (lpad(to_hex((extract(epoch FROM created_at) * 1000)::bigint), 12, '0') || '7'
        || substr(md5(random()::text), 1, 3) || to_hex(8 + floor(random() * 4)::int)
        || substr(md5(random()::text), 1, 15))::uuid,
       $1::uuid, amount, sealed, hash, masked,
       CASE WHEN g % 10 < 7 THEN 'INV-' || (g % 200000) WHEN g % 10 < 9 THEN 'ORD' || (g % 50000) ELSE 'SHOP' END,
       NULL, status,
       $2 || '-' || g, 'ws_CO_' || $2 || '_' || g,
       CASE WHEN status IN ('paid', 'needs_review', 'reversed') THEN upper($2) || lpad(upper(to_hex(g)), 7, '0') END,
       CASE status WHEN 'pending' THEN NULL WHEN 'failed' THEN CASE WHEN r < 0.9 THEN '1' ELSE '2001' END
                   WHEN 'cancelled' THEN '1032' WHEN 'timed_out' THEN '1037' ELSE '0' END,
       CASE status WHEN 'pending' THEN NULL WHEN 'failed' THEN 'The balance is insufficient for the transaction.'
                   WHEN 'cancelled' THEN 'Request cancelled by user.' WHEN 'timed_out' THEN 'DS timeout user cannot be reached.'
                   ELSE 'The service request is processed successfully.' END,
       CASE status WHEN 'paid' THEN amount WHEN 'reversed' THEN amount WHEN 'needs_review' THEN greatest(1, amount - 1) END,
       CASE WHEN status IN ('paid', 'needs_review', 'reversed') THEN masked END,
       CASE WHEN status <> 'pending' THEN created_at + random() * interval '40 seconds' END,
       created_at,
       CASE WHEN status <> 'pending' THEN created_at + interval '40 seconds' ELSE created_at END
FROM rows`;

async function main() {
  const { values } = parseArgs({
    options: {
      count: { type: "string", default: "1000000" },
      merchant: { type: "string" },
      replace: { type: "boolean", default: false },
    },
  });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new Error("--count must be a positive whole number");
  const { databaseUrl, keyring } = localConfig();
  await applyMigrations({ databaseUrl });
  const merchant = await resolveMerchant(databaseUrl, keyring, values.merchant);
  const started = performance.now();
  const seconds = () => ((performance.now() - started) / 1000).toFixed(1);

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    if (values.replace) {
      const { rowCount } = await client.query("DELETE FROM payments WHERE merchant_id = $1", [merchant.id]);
      console.log(`deleted ${rowCount} existing payment(s) of ${merchant.slug} (${seconds()}s)`);
    }
    const phones = phonePool(keyring, merchant.id);
    await client.query(
      `CREATE TEMP TABLE seed_phones AS
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS p(sealed, hash, masked, n)`,
      [phones.sealed, phones.hashes, phones.masked],
    );
    await client.query("CREATE UNIQUE INDEX ON seed_phones (n)");
    // Receipts, checkout and merchant request ids are unique per run: 3 letters, then the row number.
    const run = Array.from(randomBytes(3), (b) => String.fromCharCode(97 + (b % 26))).join("");
    for (let from = 1; from <= count; from += CHUNK) {
      const to = Math.min(count, from + CHUNK - 1);
      await client.query(INSERT_CHUNK, [merchant.id, run, from, to, count]);
      console.log(`  ${to.toLocaleString("en")} / ${count.toLocaleString("en")} (${seconds()}s)`);
    }
    const inserted = seconds();
    // As autovacuum would have by now: statistics, and the visibility map index-only scans need.
    await client.query("VACUUM (ANALYZE) payments");
    const { rows } = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM payments WHERE merchant_id = $1",
      [merchant.id],
    );
    console.log(
      `seeded ${count.toLocaleString("en")} payments for ${merchant.slug} in ${inserted}s ` +
        `(VACUUM ANALYZE done at ${seconds()}s); it now has ${Number(rows[0]?.n).toLocaleString("en")}`,
    );
  } finally {
    await client.end();
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(`seed:large: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
