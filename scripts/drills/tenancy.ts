// `npm run drill:tenancy`: every entry point that takes an id, tried with another merchant's ids,
// and payout and reversal self-approval. The entry points are read from the file system
// (app/**/route.ts methods, app/**/actions.ts exports, app/**/page.tsx under a [segment]) and each
// must appear in ENTRY_POINTS below, saying where its cross-tenant probe lives or why it takes no
// id: a new entry point fails the drill until someone says how it is kept to its merchant.
//
// The probes need Next's request context faked (tests/support/next-request.ts), so the drill runs
// inside Vitest: this script starts tests/integration/drill-tenancy.test.ts, which CI runs too.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { isMain } from "./lib/drill-database";
import { runInVitest } from "./lib/run-in-vitest";

const ROOT = join(import.meta.dirname, "..", "..");

/** Where an entry point's cross-tenant probe lives, or why it takes no id. */
export type Coverage =
  | { probe: "drill" }
  | { probe: "tests/integration/dashboard-isolation.test.ts" | "tests/integration/api-isolation.test.ts" }
  | { noId: string };

const drill = { probe: "drill" } as const;
const dashboard = { probe: "tests/integration/dashboard-isolation.test.ts" } as const;
const noId = (why: string) => ({ noId: why });

/** Every entry point, as `<file under app/>#<export>`. */
export const ENTRY_POINTS: Record<string, Coverage> = {
  // ---- REST API (API key) ----
  "api/v1/checkout-sessions/[id]/route.ts#GET": drill,
  "api/v1/checkout-sessions/route.ts#POST": noId("creates for the key's merchant"),
  "api/v1/events/[id]/route.ts#GET": drill,
  "api/v1/events/route.ts#GET": drill,
  "api/v1/openapi.json/route.ts#GET": noId("public document, no tenant data"),
  "api/v1/payments/[id]/reversal/route.ts#POST": drill,
  "api/v1/payments/[id]/route.ts#GET": drill,
  "api/v1/payments/route.ts#GET": drill,
  "api/v1/payments/route.ts#POST": noId("creates for the key's merchant"),
  "api/v1/payout-batches/[id]/route.ts#GET": drill,
  "api/v1/payout-batches/route.ts#POST": noId("creates for the key's merchant"),
  "api/v1/payouts/[id]/route.ts#GET": drill,
  "api/v1/payouts/route.ts#GET": drill,
  "api/v1/payouts/route.ts#POST": noId("creates for the key's merchant"),
  "api/v1/reconciliation/pull/route.ts#POST": noId("pulls the key's merchant's record"),
  "api/v1/reversals/[id]/route.ts#GET": drill,
  "api/v1/reversals/route.ts#GET": drill,
  "api/v1/webhook-endpoints/[id]/rotate-secret/route.ts#POST": drill,
  "api/v1/webhook-endpoints/[id]/route.ts#DELETE": drill,
  "api/v1/webhook-endpoints/[id]/route.ts#GET": drill,
  "api/v1/webhook-endpoints/[id]/route.ts#PATCH": drill,
  "api/v1/webhook-endpoints/route.ts#GET": drill,
  "api/v1/webhook-endpoints/route.ts#POST": noId("creates for the key's merchant"),
  // ---- dashboard route handlers (session) ----
  "(dashboard)/reconciliation/export/route.ts#GET": drill,
  "api/dashboard/overview/route.ts#GET": dashboard,
  "api/dashboard/payments/export/route.ts#GET": dashboard,
  "api/dashboard/payments/route.ts#GET": dashboard,
  "api/dashboard/payouts/export/route.ts#GET": drill,
  "api/dashboard/payouts/route.ts#GET": drill,
  "api/dashboard/payouts/template/route.ts#GET": noId("a blank CSV template"),
  "api/dashboard/statements/route.ts#POST": noId("imports into the signed-in merchant"),
  // ---- public and machine endpoints ----
  "api/auth/[...nextauth]/route.ts#GET": noId("next-auth's own routes"),
  "api/auth/[...nextauth]/route.ts#POST": noId("next-auth's own routes"),
  "api/health/route.ts#GET": noId("no tenant data"),
  "api/metrics/route.ts#GET": noId("aggregate counters, no tenant data"),
  "api/inngest/route.ts#GET": noId("Inngest's signed endpoint"),
  "api/inngest/route.ts#POST": noId("Inngest's signed endpoint"),
  "api/inngest/route.ts#PUT": noId("Inngest's signed endpoint"),
  "api/mpesa/[kind]/[merchantId]/[secret]/route.ts#POST": dashboard, // another merchant's payment
  "api/hooks/[kind]/[merchantId]/[secret]/route.ts#POST": noId(
    "re-exports the mpesa route's POST, probed above",
  ),
  "api/pay/[id]/route.ts#GET": noId(
    "public checkout status by unguessable session id, no tenant data beyond it",
  ),
  "pay/[id]/route.ts#GET": noId("the public checkout page of an unguessable session id"),
  "pay/[id]/route.ts#POST": noId("the public checkout form of an unguessable session id"),
  // ---- pages with an id ----
  "(auth)/invite/[token]/page.tsx#default": noId("an unguessable invitation token, before sign-in"),
  "(dashboard)/payments/[id]/page.tsx#default": dashboard,
  "(dashboard)/payouts/[id]/page.tsx#default": dashboard,
  "(dashboard)/payouts/batches/[id]/page.tsx#default": dashboard,
  "(dashboard)/reconciliation/[day]/page.tsx#default": drill,
  "(dashboard)/reconciliation/statements/[id]/page.tsx#default": drill,
  // ---- server actions ----
  "(auth)/invite/[token]/actions.ts#createAccountAction": noId("an unguessable invitation token"),
  "(auth)/invite/[token]/actions.ts#joinTeamAction": noId("an unguessable invitation token"),
  "(auth)/login/actions.ts#signInAction": noId("before sign-in"),
  "(auth)/logout/actions.ts#signOutAction": noId("the caller's own session"),
  "(dashboard)/account/actions.ts#signOutEverywhereAction": noId("the caller's own sessions"),
  "(dashboard)/account/actions.ts#signOutOtherSessionsAction": noId("the caller's own sessions"),
  "(dashboard)/account/password/actions.ts#changePasswordAction": noId("the caller's own password"),
  "(dashboard)/actions.ts#refreshBalanceAction": noId("the signed-in merchant's balance"),
  "(dashboard)/actions.ts#switchMerchantAction": dashboard,
  "(dashboard)/callbacks/actions.ts#replayAction": dashboard,
  "(dashboard)/checkout-links/actions.ts#cancelLinkAction": dashboard,
  "(dashboard)/checkout-links/actions.ts#createLinkAction": dashboard,
  "(dashboard)/mismatches/actions.ts#resolveAction": dashboard,
  "(dashboard)/payments/[id]/actions.ts#approveReversalAction": drill,
  "(dashboard)/payments/[id]/actions.ts#cancelReversalAction": drill,
  "(dashboard)/payments/[id]/actions.ts#rejectReversalAction": drill,
  "(dashboard)/payments/[id]/actions.ts#requestReversalAction": drill,
  "(dashboard)/payments/[id]/actions.ts#revealPhoneAction": dashboard,
  "(dashboard)/payouts/actions.ts#approveBatchAction": dashboard,
  "(dashboard)/payouts/actions.ts#approvePayoutAction": dashboard,
  "(dashboard)/payouts/actions.ts#cancelPayoutAction": dashboard,
  "(dashboard)/payouts/actions.ts#payoutCsvAction": noId("queues for the signed-in merchant"),
  "(dashboard)/payouts/actions.ts#rejectPayoutAction": dashboard,
  "(dashboard)/payouts/actions.ts#requestPayoutAction": noId("requests for the signed-in merchant"),
  "(dashboard)/reconciliation/actions.ts#signOffAction": drill,
  "(dashboard)/settings/actions.ts#changeRoleAction": dashboard,
  "(dashboard)/settings/actions.ts#createKeyAction": dashboard,
  "(dashboard)/settings/actions.ts#inviteAction": noId("invites to the signed-in merchant"),
  "(dashboard)/settings/actions.ts#registerC2bAction": noId("the signed-in merchant's URLs"),
  "(dashboard)/settings/actions.ts#removeMemberAction": dashboard,
  "(dashboard)/settings/actions.ts#revokeInvitationAction": dashboard,
  "(dashboard)/settings/actions.ts#revokeKeyAction": dashboard,
  "(dashboard)/settings/actions.ts#saveMpesaAction": noId("the signed-in merchant's credentials"),
  "(dashboard)/settings/actions.ts#savePayoutPolicyAction": noId("the signed-in merchant's policy"),
  "(dashboard)/settings/actions.ts#setEnvironmentAction": noId("the signed-in merchant's setting"),
  "(dashboard)/settings/actions.ts#updateProfileAction": noId("the signed-in merchant's profile"),
};

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/**
 * Every entry point under app/: route handler methods, exported server actions, and the default
 * export of pages under a dynamic segment, as `<file under app/>#<export>`. Read from the source
 * text, so it needs no import and sees re-exports such as next-auth's `export const { GET, POST }`.
 */
export function findEntryPoints(): string[] {
  const found: string[] = [];
  const appDir = join(ROOT, "app");
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const next = join(abs, entry.name);
      if (entry.isDirectory()) {
        walk(next);
        continue;
      }
      const rel = relative(appDir, next);
      if (entry.name === "route.ts") {
        const text = readFileSync(next, "utf8");
        for (const method of METHODS)
          if (
            new RegExp(
              `export\\s+(async\\s+function|const|function)\\s+${method}\\b|export\\s+(const\\s*)?\\{[^}]*\\b${method}\\b`,
            ).test(text)
          )
            found.push(`${rel}#${method}`);
      } else if (entry.name === "actions.ts") {
        for (const match of readFileSync(next, "utf8").matchAll(
          /export\s+(?:async\s+)?(?:function|const)\s+(\w+)/g,
        ))
          found.push(`${rel}#${match[1]}`);
      } else if (entry.name === "page.tsx" && /\[[^\]]+\]/.test(rel)) {
        found.push(`${rel}#default`);
      }
    }
  };
  walk(appDir);
  return found.sort();
}

/**
 * Entry points found with no ENTRY_POINTS row, rows naming entry points that no longer exist, and
 * rows whose probe file never mentions them (a server action by name, a route or page by its
 * module path, `@/app/…`).
 */
export function coverageGaps(): { uncovered: string[]; stale: string[]; unproven: string[] } {
  const found = findEntryPoints();
  const texts = new Map<string, string>();
  const probeText = (file: string) => {
    if (!texts.has(file)) texts.set(file, readFileSync(join(ROOT, file), "utf8"));
    return texts.get(file) ?? "";
  };
  const unproven = Object.entries(ENTRY_POINTS).flatMap(([entry, coverage]) => {
    if (!("probe" in coverage)) return [];
    const file = coverage.probe === "drill" ? "tests/integration/drill-tenancy.test.ts" : coverage.probe;
    const [path = "", name = ""] = entry.split("#");
    const mention = path.endsWith("actions.ts") ? name : `@/app/${path.replace(/\.tsx?$/, "")}`;
    return probeText(file).includes(mention) ? [] : [entry];
  });
  return {
    uncovered: found.filter((e) => !(e in ENTRY_POINTS)),
    stale: Object.keys(ENTRY_POINTS).filter((e) => !found.includes(e)),
    unproven,
  };
}

if (isMain(import.meta.url)) {
  const server = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  process.exit(
    runInVitest(
      [
        "tests/integration/drill-tenancy.test.ts",
        "tests/integration/dashboard-isolation.test.ts",
        "tests/integration/api-isolation.test.ts",
      ],
      { databaseUrl: server },
    ),
  );
}
