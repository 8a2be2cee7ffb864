// `npm run c2b:register -- --merchant <slug>`: registers the merchant's C2B validation and
// confirmation URLs with M-Pesa (its current environment). Settings will offer the same button.
import { parseArgs } from "node:util";
import { createDb } from "../lib/db";
import { getEnv } from "../lib/env";
import { registerC2bUrls } from "../lib/merchants/register-c2b-urls";
import { paymentsRuntime } from "../lib/payments-runtime";

const { values } = parseArgs({
  options: { merchant: { type: "string" }, cancel: { type: "boolean", default: false } },
});
const db = createDb(getEnv().DATABASE_URL, { max: 2 });
try {
  const merchant = await db.merchant.findUnique({ where: { slug: values.merchant ?? "" } });
  if (!merchant) throw new Error(`no merchant with slug "${values.merchant}" (pass --merchant <slug>)`);
  const result = await registerC2bUrls(db, paymentsRuntime().deps, {
    merchantId: merchant.id,
    responseType: values.cancel ? "Cancelled" : "Completed",
  });
  console.log(
    `Registered C2B URLs for ${merchant.name} (${merchant.environment}): ${result.description || "ok"}`,
  );
} catch (error) {
  console.error(`Could not register C2B URLs: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.$disconnect();
}
