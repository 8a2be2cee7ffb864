// afterCommit (lib/db-types.ts): work handed to it inside inTransaction runs only once the
// outermost transaction has committed, and never when it rolls back.
import { describe, expect, it } from "vitest";
import { afterCommit, inTransaction } from "@/lib/db-types";
import { testDb } from "./db";

describe("afterCommit", () => {
  const db = testDb();

  it("waits for the outermost commit, nested transactions included", async () => {
    const ran: string[] = [];
    await inTransaction(db, async (tx) => {
      afterCommit(tx, () => ran.push("outer"));
      await inTransaction(tx, async (inner) => {
        afterCommit(inner, () => ran.push("inner"));
      });
      await tx.$queryRaw`SELECT 1`;
      expect(ran).toEqual([]); // not yet committed
    });
    expect(ran).toEqual(["outer", "inner"]);
  });

  it("drops the work of a transaction that rolled back", async () => {
    const ran: string[] = [];
    await expect(
      inTransaction(db, async (tx) => {
        afterCommit(tx, () => ran.push("never"));
        throw new Error("undone");
      }),
    ).rejects.toThrow("undone");
    expect(ran).toEqual([]);
  });

  it("runs at once outside a transaction", () => {
    const ran: string[] = [];
    afterCommit(db, () => ran.push("now"));
    expect(ran).toEqual(["now"]);
  });
});
