// The statement upload route and pages, called as Next calls them with only the request context
// faked (tests/support/next-request.ts), against the real database.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { createMember, createMerchant, createMpesaCredential } from "../factories";
import { callAction, FORBIDDEN, NOT_FOUND, renderPage, signIn, stubAppEnv } from "../support/next-request";
import { testDatabaseUrl, testDb } from "./db";

vi.mock("@/lib/auth", () => import("../support/next-request").then((m) => m.fakeAuth));
vi.mock("next/headers", () => import("../support/next-request").then((m) => m.fakeHeaders));
vi.mock("next/cache", () => import("../support/next-request").then((m) => m.fakeCache));
vi.mock("next/server", (original) => import("../support/next-request").then((m) => m.fakeServer(original)));

stubAppEnv(testDatabaseUrl());
const db = testDb();

const statement = (shortcode: string) =>
  [
    "Account Holder:,Upload Test Shop",
    `Short Code:,${shortcode}`,
    "Time Period:,,From 01-12-2026 00:00:00,,To 01-12-2026 23:59:59",
    "Receipt No.,Completion Time,Details,Transaction Status,Paid In,Withdrawn,Balance,Reason Type,Other Party Info",
    "SLU1PLOAD1,01-12-2026 09:00:00,Funds received from 600111 - SUPPLIER,Completed,100.00,,100.00,Organization To Organization Transfer,600111 - SUPPLIER",
    "SLU1PLOAD2,01-12-2026 10:00:00,Funds received,Completed,lots,,100.00,Organization To Organization Transfer,600111 - SUPPLIER",
    "",
  ].join("\n");

function upload(body: BodyInit | null, name = "statement.csv", headers: Record<string, string> = {}) {
  return new Request(`http://localhost/api/dashboard/statements?name=${encodeURIComponent(name)}`, {
    method: "POST",
    body,
    headers,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
}

async function merchantWithShortcode(shortcode: string) {
  const merchant = await createMerchant(db);
  await createMpesaCredential(db, { merchantId: merchant.id, shortcode });
  return merchant;
}

describe("POST /api/dashboard/statements", () => {
  let a: { merchant: { id: string; slug: string }; owner: { id: string } };
  let b: { merchant: { id: string; slug: string }; owner: { id: string } };
  beforeAll(async () => {
    for (const [key, shortcode] of [
      ["a", "600441"],
      ["b", "600442"],
    ] as const) {
      const merchant = await merchantWithShortcode(shortcode);
      const { user } = await createMember(db, { merchantId: merchant.id, role: "owner" });
      const world = { merchant, owner: user };
      if (key === "a") a = world;
      else b = world;
    }
  });

  it("imports a streamed statement for the signed-in merchant and shows it on its pages", async () => {
    const { POST } = await import("@/app/api/dashboard/statements/route");
    signIn(a.owner, a.merchant.slug);
    const bytes = new TextEncoder().encode(statement("600441"));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 100));
        controller.enqueue(bytes.subarray(100));
        controller.close();
      },
    });
    const response = await POST(upload(stream, "ORG_600441.csv"));
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; newRecords: number; refusedRows: number };
    expect(body).toMatchObject({ newRecords: 1, refusedRows: 1 });
    const stored = await db.statementImport.findUniqueOrThrow({ where: { id: body.id } });
    expect(stored).toMatchObject({ merchantId: a.merchant.id, fileName: "ORG_600441.csv", state: "done" });

    const list = await renderPage(
      (await import("@/app/(dashboard)/reconciliation/statements/page")).default,
      {},
    );
    expect(list).toContain("ORG_600441.csv");
    const Detail = (await import("@/app/(dashboard)/reconciliation/statements/[id]/page")).default;
    const detail = await renderPage(Detail, { params: Promise.resolve({ id: body.id }) });
    expect(detail).toContain("Paid In is not an amount");
    expect(detail).toContain("SLU1PLOAD1"); // its not_in_malipo item

    // Merchant B sees neither the import in its list nor its page.
    signIn(b.owner, b.merchant.slug);
    expect(
      await renderPage((await import("@/app/(dashboard)/reconciliation/statements/page")).default, {}),
    ).not.toContain("ORG_600441.csv");
    const other = await callAction(() => Detail({ params: Promise.resolve({ id: body.id }) }));
    expect(other).toMatchObject({ ok: false, digest: NOT_FOUND });
  });

  it("answers a bad file with a clear 400 and another merchant's statement with a refusal", async () => {
    const { POST } = await import("@/app/api/dashboard/statements/route");
    signIn(b.owner, b.merchant.slug);
    const pdf = await POST(upload(new TextEncoder().encode("%PDF-1.7 not a statement"), "statement.pdf"));
    expect(pdf.status).toBe(400);
    expect(await pdf.json()).toMatchObject({
      error: { code: "bad_request", field: "file", message: expect.stringMatching(/PDF/) },
    });

    const notStatement = await POST(upload("name,amount\nJane,10\n"));
    expect(notStatement.status).toBe(400);
    expect((await notStatement.json()).error.message).toMatch(/No statement table found/);

    // A's statement uploaded while working in B: refused, nothing of it stored for B.
    const foreign = await POST(upload(statement("600441")));
    expect(foreign.status).toBe(400);
    expect((await foreign.json()).error.message).toMatch(/shortcode 600441, not this merchant's \(600442\)/);
    expect(await db.mpesaRecord.count({ where: { merchantId: b.merchant.id } })).toBe(0);

    const huge = await POST(upload("x", "big.csv", { "content-length": String(60 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.message).toMatch(/over 50 MB/);
  });

  it("is refused to a role without reconciliation:manage", async () => {
    const { POST } = await import("@/app/api/dashboard/statements/route");
    const { user } = await createMember(db, { merchantId: a.merchant.id, role: "viewer" });
    signIn(user, a.merchant.slug);
    const response = await POST(upload(statement("600441")));
    expect(response.status).toBe(403);
    const page = await callAction(async () =>
      (await import("@/app/(dashboard)/reconciliation/statements/page")).default(),
    );
    expect(page).toMatchObject({ ok: false, digest: FORBIDDEN });
  });
});
