// GET /api/pay/{id}: a checkout's state for the customer's waiting screen (public, no secrets).
import { getDb } from "@/lib/db";
import { getCheckoutView } from "@/lib/payments/collections/get-checkout-view";

export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const view = await getCheckoutView(getDb(), { sessionId: (await params).id });
  if (!view)
    return Response.json({ error: { code: "not_found", message: "No such payment link." } }, { status: 404 });
  return Response.json(view, { headers: { "Cache-Control": "no-store" } });
}
