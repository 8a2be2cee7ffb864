import { describe, expect, it } from "vitest";
import { generateKeyringSpec, parseKeyring } from "@/lib/crypto/keyring";
import { markInboxDead } from "@/lib/payments/callbacks/mark-inbox-dead";
import { recordCallback } from "@/lib/payments/callbacks/record-callback";
import { replayCallback } from "@/lib/payments/callbacks/replay-callback";
import { createMember } from "../factories";
import { testDb } from "./db";

describe("replaying a dead callback", () => {
  const db = testDb();
  const keyring = parseKeyring(generateKeyringSpec("t1"));

  it("settles the payment once it exists, is audited, and refuses entries that are not dead", async () => {
    const { user, merchantId } = await createMember(db, { role: "developer" });
    const body = JSON.stringify({
      Body: {
        stkCallback: {
          MerchantRequestID: "m",
          CheckoutRequestID: "ws_CO_replay_1",
          ResultCode: 1032,
          ResultDesc: "Request cancelled by user",
        },
      },
    });
    const entry = await recordCallback(db, { merchantId, kind: "stk", body, sourceIp: null, headers: {} });
    await markInboxDead(db, { inboxId: entry.id, error: "no payment with this CheckoutRequestID" });
    const payment = await db.payment.create({
      data: {
        merchantId,
        amount: 10,
        phoneSealed: "x",
        phoneHash: "h",
        phoneMasked: "2547•••••000",
        reference: "R",
        checkoutRequestId: "ws_CO_replay_1",
      },
    });

    const actor = { id: user.id, label: user.email };
    expect(await replayCallback(db, { merchantId, inboxId: entry.id, keyring, actor })).toBe("processed");
    expect(await db.payment.findUniqueOrThrow({ where: { id: payment.id } })).toMatchObject({
      status: "cancelled",
    });
    expect(
      await db.auditLog.findFirst({ where: { action: "callback.replayed", targetId: entry.id } }),
    ).toMatchObject({ actorId: user.id });
    await expect(replayCallback(db, { merchantId, inboxId: entry.id, keyring, actor })).rejects.toMatchObject(
      { code: "conflict" },
    );

    const other = await createMember(db);
    await expect(
      replayCallback(db, { merchantId: other.merchantId, inboxId: entry.id, keyring, actor }),
    ).rejects.toMatchObject({ code: "not_found" });
  });
});
