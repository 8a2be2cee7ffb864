// Demo data for local development: two merchants, an owner (member of both, so the merchant
// switcher shows), an approver, an API key and a fortnight of history (prisma/demo-history.ts).
// Idempotent: running it again changes nothing.
import { pathToFileURL } from "node:url";
import { appendAuditLog } from "../lib/audit/append-audit-log";
import type { Keyring } from "../lib/crypto/keyring";
import { parseKeyring } from "../lib/crypto/keyring";
import type { DbClient } from "../lib/db-types";
import {
  setMpesaInitiator,
  simulatorCredentials,
  upsertMpesaCredential,
} from "../lib/merchants/mpesa-credentials";
import { importApiKey } from "../lib/security/api-keys";
import { grantableScopes } from "../lib/security/api-scopes";
import { hashPassword } from "../lib/security/password";
import { seedDemoHistory } from "./demo-history";
import type { MpesaEnvironment, Role } from "./generated/prisma/enums";

export const DEMO_MERCHANTS = [
  { slug: "duka-la-mama", name: "Duka la Mama", environment: "simulator" },
  { slug: "kahawa-corner", name: "Kahawa Corner", environment: "simulator" },
] as const satisfies readonly { slug: string; name: string; environment: MpesaEnvironment }[];

export const DEMO_USERS = [
  {
    email: "owner@duka.example",
    name: "Amina Wanjiru",
    roles: { "duka-la-mama": "owner", "kahawa-corner": "admin" },
  },
  { email: "approver@duka.example", name: "Brian Otieno", roles: { "duka-la-mama": "approver" } },
] as const satisfies readonly { email: string; name: string; roles: Record<string, Role> }[];

export interface DemoSeed {
  password: string;
  apiKey: string;
  /** Seals the demo merchants' simulator credentials. */
  keyring: Keyring;
}

/**
 * Gives the demo merchants' simulator credentials the simulator's test initiator and the
 * certificate of the simulator running now (it makes a new key pair each start), so payouts work
 * out of the box in `npm run dev`. An initiator someone changed in Settings is left alone.
 */
export async function linkDemoInitiator(
  db: DbClient,
  options: { keyring: Keyring; certificatePem: string },
): Promise<number> {
  const { initiatorName, initiatorPassword } = simulatorCredentials();
  if (!initiatorName || !initiatorPassword) return 0;
  let linked = 0;
  for (const m of DEMO_MERCHANTS) {
    const merchant = await db.merchant.findUnique({ where: { slug: m.slug }, select: { id: true } });
    if (!merchant) continue;
    const saved = await db.mpesaCredential.findUnique({
      where: { merchantId_environment: { merchantId: merchant.id, environment: "simulator" } },
      select: { initiatorName: true },
    });
    if (!saved || (saved.initiatorName !== null && saved.initiatorName !== initiatorName)) continue;
    if (
      await setMpesaInitiator(db, options.keyring, {
        merchantId: merchant.id,
        environment: "simulator",
        name: initiatorName,
        password: initiatorPassword,
        certificatePem: options.certificatePem,
      })
    )
      linked += 1;
  }
  return linked;
}

/** Creates whatever part of the demo data is missing. Existing users keep their passwords. */
export async function seedDemo(db: DbClient, seed: DemoSeed): Promise<{ created: boolean }> {
  const existing = await db.merchant.findUnique({ where: { slug: DEMO_MERCHANTS[0].slug } });
  const merchants = new Map<string, string>();
  for (const m of DEMO_MERCHANTS) {
    const row = await db.merchant.upsert({ where: { slug: m.slug }, create: m, update: {} });
    merchants.set(m.slug, row.id);
    const hasCredentials = await db.mpesaCredential.findUnique({
      where: { merchantId_environment: { merchantId: row.id, environment: "simulator" } },
    });
    if (!hasCredentials) {
      const { initiatorName: _name, initiatorPassword: _password, ...stkAndC2b } = simulatorCredentials();
      await upsertMpesaCredential(db, seed.keyring, row.id, stkAndC2b);
    }
  }
  const passwordHash = await hashPassword(seed.password);
  for (const u of DEMO_USERS) {
    const user = await db.user.upsert({
      where: { email: u.email },
      create: { email: u.email, name: u.name, passwordHash },
      update: {},
    });
    for (const [slug, role] of Object.entries(u.roles)) {
      const merchantId = merchants.get(slug);
      if (!merchantId) continue;
      await db.membership.upsert({
        where: { userId_merchantId: { userId: user.id, merchantId } },
        create: { userId: user.id, merchantId, role },
        update: {},
      });
    }
  }
  const merchantId = merchants.get(DEMO_MERCHANTS[0].slug);
  const key = importApiKey(seed.apiKey);
  if (merchantId && !(await db.apiKey.findUnique({ where: { hash: key.hash } }))) {
    // DEMO_API_KEY changed: the demo key is the one in the environment, so the earlier one stops working.
    const replaced = await db.apiKey.findMany({
      where: { merchantId, name: "Demo key", createdById: null, revokedAt: null },
    });
    for (const old of replaced) {
      await db.apiKey.update({ where: { id: old.id }, data: { revokedAt: new Date() } });
      await appendAuditLog(db, {
        merchantId,
        actor: { type: "system", label: "demo seed" },
        action: "apikey.revoked",
        target: { type: "api_key", id: old.id },
        metadata: { prefix: old.prefix, name: old.name },
      });
    }
    // The demo key stands for the demo owner's: it gets what an owner may grant (every scope).
    const scopes = grantableScopes("owner");
    const apiKey = await db.apiKey.create({
      data: { merchantId, name: "Demo key", prefix: key.prefix, hash: key.hash, scopes },
    });
    await appendAuditLog(db, {
      merchantId,
      actor: { type: "system", label: "demo seed" },
      action: "apikey.created",
      target: { type: "api_key", id: apiKey.id },
      metadata: { prefix: key.prefix, name: apiKey.name, scopes },
    });
  }
  if (!existing && merchantId) await seedDemoHistory(db, { merchantId, keyring: seed.keyring });
  return { created: !existing };
}

async function main() {
  const { createDb } = await import("../lib/db");
  const url = process.env.DATABASE_URL;
  const password = process.env.DEMO_PASSWORD;
  const apiKey = process.env.DEMO_API_KEY;
  const keys = process.env.MALIPO_ENCRYPTION_KEYS;
  if (!url || !password || !apiKey || !keys) {
    console.error("db:seed needs DATABASE_URL, DEMO_PASSWORD, DEMO_API_KEY and MALIPO_ENCRYPTION_KEYS.");
    process.exit(1);
  }
  const db = createDb(url, { max: 2 });
  try {
    const { created } = await seedDemo(db, { password, apiKey, keyring: parseKeyring(keys) });
    console.log(created ? "Demo data created." : "Demo data already present.");
  } finally {
    await db.$disconnect();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
