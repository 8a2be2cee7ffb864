import type { DbClient } from "../db-types";
import { AppError } from "../errors";
import { isUuid } from "../validation/id";

/** One endpoint of the merchant; another merchant's id (or no id at all) is a 404. */
export async function getWebhookEndpointOrThrow(
  db: DbClient,
  options: { merchantId: string; endpointId: string },
) {
  const endpoint = isUuid(options.endpointId)
    ? await db.webhookEndpoint.findFirst({
        where: { id: options.endpointId, merchantId: options.merchantId },
      })
    : null;
  if (!endpoint) throw new AppError("not_found", "No webhook endpoint with this id.");
  return endpoint;
}
