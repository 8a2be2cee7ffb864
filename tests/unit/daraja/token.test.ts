import { describe, expect, it } from "vitest";
import { createTokenProvider, memoryTokenStore } from "@/lib/payments/daraja/token";
import { startDarajaWorld } from "../../support/daraja";

describe("token provider", () => {
  it("makes one OAuth call for 50 concurrent requests", async () => {
    let calls = 0;
    const provider = createTokenProvider({
      key: "m1:sandbox",
      store: memoryTokenStore(),
      fetchToken: async () => {
        calls += 1;
        await new Promise((r) => setTimeout(r, 20));
        return { token: `t${calls}`, expiresInSeconds: 3599 };
      },
    });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => provider.get()));
    expect(calls).toBe(1);
    expect(new Set(tokens)).toEqual(new Set(["t1"]));
  });

  it("refreshes 60 s before expiry, and after an invalid-token answer", async () => {
    let now = 1_000_000;
    let calls = 0;
    const provider = createTokenProvider({
      key: "k",
      store: memoryTokenStore(),
      now: () => now,
      fetchToken: async () => ({ token: `t${++calls}`, expiresInSeconds: 3599 }),
    });
    expect(await provider.get()).toBe("t1");
    now += (3599 - 61) * 1000;
    expect(await provider.get()).toBe("t1");
    now += 2000;
    expect(await provider.get()).toBe("t2");
    await provider.invalidate("t2");
    expect(await provider.get()).toBe("t3");
  });

  it("shares one refresh across providers (app instances) using the same store", async () => {
    const store = memoryTokenStore();
    let calls = 0;
    const make = () =>
      createTokenProvider({
        key: "shared",
        store,
        fetchToken: async () => {
          calls += 1;
          await new Promise((r) => setTimeout(r, 20));
          return { token: "shared-token", expiresInSeconds: 3599 };
        },
      });
    const instances = Array.from({ length: 5 }, make);
    await Promise.all(instances.flatMap((p) => [p.get(), p.get()]));
    expect(calls).toBe(1);
  });

  it("against the simulator: 50 concurrent API calls cost one OAuth call; an expired token is refreshed once", async () => {
    const world = await startDarajaWorld();
    try {
      await Promise.all(
        Array.from({ length: 50 }, () =>
          world.client.accountBalance({
            resultUrl: world.receiver.url("/r"),
            timeoutUrl: world.receiver.url("/t"),
          }),
        ),
      );
      expect(world.sim.state.stats.oauthCalls).toBe(1);
      await world.control("POST", "/sim/tokens/expire");
      await world.client.accountBalance({
        resultUrl: world.receiver.url("/r"),
        timeoutUrl: world.receiver.url("/t"),
      });
      expect(world.sim.state.stats.oauthCalls).toBe(2);
    } finally {
      await world.close();
    }
  });
});
