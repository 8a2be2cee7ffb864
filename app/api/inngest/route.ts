// Serves Malipo's Inngest functions to Inngest Cloud or a self-hosted Inngest server. Without
// Inngest configured, background work runs inside the app and there is nothing to serve: say so
// plainly instead of Inngest's "no signing key" 500.
import { serve } from "inngest/next";
import { makeFunctions } from "@/inngest/functions";
import { getInngest, inngestConfigured } from "@/lib/background/client";
import { appBackgroundContext } from "@/lib/background/context";

const handlers = serve({
  client: getInngest(),
  functions: makeFunctions(getInngest(), appBackgroundContext),
});

const NOT_CONFIGURED = {
  inngest: "not configured",
  message:
    "Inngest is not configured: background work runs in-process. Set INNGEST_EVENT_KEY and INNGEST_SIGNING_KEY (or INNGEST_DEV=1) to use Inngest.",
};

type Handler = (typeof handlers)["GET"];

function unlessInProcess(handler: Handler): Handler {
  return ((...args: Parameters<Handler>) =>
    inngestConfigured() ? handler(...args) : Response.json(NOT_CONFIGURED, { status: 404 })) as Handler;
}

export const GET = unlessInProcess(handlers.GET);
export const POST = unlessInProcess(handlers.POST);
export const PUT = unlessInProcess(handlers.PUT);
