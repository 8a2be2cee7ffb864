// A money-moving call whose token cannot be had (the token store's database failing) never
// left for Daraja: it must say so, so that the payout or reversal is sent later instead of being
// treated as "maybe sent" and handed to a person (lib/payments/payouts/send-once.ts).
import { describe, expect, it } from "vitest";
import { createDarajaClient } from "@/lib/payments/daraja/client";
import { DarajaError } from "@/lib/payments/daraja/errors";
import type { TokenStore } from "@/lib/payments/daraja/token";
import { classifySendError } from "@/lib/payments/payouts/send-once";
import { startDarajaWorld } from "../../support/daraja";

describe("a token that cannot be had", () => {
  it("fails a B2C payment as not sent, without calling Daraja", async () => {
    const world = await startDarajaWorld();
    try {
      const failing: TokenStore = {
        read: async () => {
          throw new Error("Transaction API error: Unable to start a transaction in the given time.");
        },
        write: async () => {},
        lock: async () => {
          throw new Error("unreachable");
        },
        forget: async () => {},
      };
      const client = createDarajaClient(world.client.config, { tokenStore: failing });
      const error = await client
        .b2cPayment({
          amount: 100,
          phone: "254712345678",
          remarks: "Payout",
          resultUrl: world.receiver.url("/r"),
          timeoutUrl: world.receiver.url("/t"),
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DarajaError);
      expect(classifySendError(error as DarajaError)).toBe("not_sent");
      expect(world.sim.state.b2cRequests.size).toBe(0);
    } finally {
      await world.close();
    }
  });
});
