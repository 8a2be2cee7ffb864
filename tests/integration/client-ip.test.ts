// The caller's real address reaches everything that judges or records it: the callback allowlist
// (through the front server, as deployed) and the audit rows of dashboard actions.
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createFrontServer } from "@/lib/http/front-server";
import { createMember, createMerchant } from "../factories";
import { form, fromIp, signIn, stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

stubAppEnv(testDatabaseUrl());

/** Hands the request to the real callback route as Next does: a Request built from req.headers. */
async function callbackRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { POST } = await import("@/app/api/mpesa/[kind]/[merchantId]/[secret]/route");
  const url = new URL(req.url ?? "/", "http://localhost");
  const [, , , kind = "", merchantId = "", secret = ""] = url.pathname.split("/");
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers))
    if (typeof value === "string") headers.set(name, value);
  const response = await POST(new Request(url, { method: "POST", headers, body: Buffer.concat(chunks) }), {
    params: Promise.resolve({ kind, merchantId, secret }),
  });
  res.writeHead(response.status, { "Content-Type": "application/json" }).end(await response.text());
}

async function listen(trustedProxyHops: number): Promise<{ url: string; server: Server }> {
  const server = createFrontServer({ trustedProxyHops, fallback: callbackRoute });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const stkBody = JSON.stringify({
  Body: { stkCallback: { MerchantRequestID: "m-1", CheckoutRequestID: "ws_CO_ip", ResultCode: 1032 } },
});

describe("the callback allowlist judges the real peer", () => {
  const db = testDb();
  const servers: Server[] = [];
  afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

  /** A sandbox merchant's STK callback sent from this machine with `forwardedFor`. */
  async function sendCallback(options: { trustedProxyHops: number; forwardedFor: string }) {
    const merchant = await createMerchant(db, { environment: "sandbox" });
    const { url, server } = await listen(options.trustedProxyHops);
    servers.push(server);
    const res = await fetch(`${url}/api/mpesa/stk/${merchant.id}/${merchant.callbackSecret}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Forwarded-For": options.forwardedFor },
      body: stkBody,
    });
    const stored = await db.callbackInbox.findMany({ where: { merchantId: merchant.id } });
    return { status: res.status, sourceIps: stored.map((entry) => entry.sourceIp) };
  }

  it("refuses a sandbox merchant's callback with a forged X-Forwarded-For: 196.201.214.200", async () => {
    expect(await sendCallback({ trustedProxyHops: 0, forwardedFor: "196.201.214.200" })).toEqual({
      status: 403,
      sourceIps: [],
    });
  });

  it("accepts it when one trusted proxy appended Safaricom's address, and stores that address", async () => {
    expect(await sendCallback({ trustedProxyHops: 1, forwardedFor: "10.9.9.9, 196.201.214.200" })).toEqual({
      status: 200,
      sourceIps: ["196.201.214.200"],
    });
  });
});

describe("dashboard actions record the caller's IP in the audit log", () => {
  const db = testDb();
  let owner: Awaited<ReturnType<typeof createMember>>;
  beforeAll(async () => {
    owner = await createMember(db, { role: "owner" });
  });

  it("creating an API key and inviting a teammate carry the address of the request", async () => {
    const merchant = await db.merchant.findUniqueOrThrow({ where: { id: owner.merchantId } });
    signIn(owner.user, merchant.slug);
    fromIp("41.90.1.2");
    const actions = await import("@/app/(dashboard)/settings/actions");
    expect(
      (
        await actions.createKeyAction(
          { error: null, key: null },
          form({ name: "Till laptop", scopes: "payments:read" }),
        )
      ).key,
    ).toBeTruthy();
    const invited = await actions.inviteAction(
      { error: null, link: null, email: null },
      form({ email: "new@example.com", role: "viewer" }),
    );
    expect(invited.error).toBeNull();
    const rows = await db.auditLog.findMany({
      where: { merchantId: owner.merchantId, action: { in: ["apikey.created", "team.invited"] } },
      select: { action: true, ip: true },
    });
    expect(rows.map((r) => r.action).sort()).toEqual(["apikey.created", "team.invited"]);
    expect(rows.every((r) => r.ip === "41.90.1.2")).toBe(true);
  });
});
