import { describe, expect, it } from "vitest";
import { kenyanDaySchema } from "@/lib/kenyan-days";
import { csvCell } from "@/lib/payments/collections/export-payments-csv";
import { text, unsafeText } from "@/lib/validation/text";

describe("free text from outside", () => {
  it("refuses NUL, other control characters and bidi overrides; allows line breaks only in multi-line text", () => {
    for (const bad of [
      "a\u0000",
      "a\u0007b",
      "a\u001bb",
      "a\u007f",
      "a\u0085",
      "a\u202ab",
      "a\u202eb",
      "a\u2066b",
      "a\u2069b",
    ])
      expect(unsafeText(bad), JSON.stringify(bad)).not.toBeNull();
    expect(unsafeText("line\nbreak")).not.toBeNull();
    expect(unsafeText("line\nbreak\tand tab\r\n", { multiline: true })).toBeNull();
    expect(unsafeText("Malipo · Duka la Mama — ✓ 🇰🇪 \u200f")).toBeNull();
    expect(text().trim().max(12).safeParse("  ORDER-1 ")).toEqual({ success: true, data: "ORDER-1" });
    expect(text().safeParse("A\u0000B").error?.issues[0]?.message).toBe(
      "must not contain control characters",
    );
  });

  it("takes only real calendar days as filters", () => {
    for (const ok of ["2026-02-28", "2024-02-29", "2026-12-31"])
      expect(kenyanDaySchema.safeParse(ok).success).toBe(true);
    for (const bad of ["2026-13-45", "2026-02-29", "2026-04-31", "2026-00-10", "20260101", "2026-1-1"])
      expect(kenyanDaySchema.safeParse(bad).success, bad).toBe(false);
  });

  it("neutralises spreadsheet formulas in CSV cells", () => {
    expect(["=1", "+1", "-1", "@A", "\t=1", "\r=1", "ok", 5, null].map(csvCell)).toEqual([
      "'=1",
      "'+1",
      "'-1",
      "'@A",
      "'\t=1",
      "'\r=1",
      "ok",
      "5",
      "",
    ]);
  });
});
