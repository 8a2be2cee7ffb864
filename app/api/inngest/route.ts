// Serves Malipo's Inngest functions to Inngest Cloud or a self-hosted Inngest server.
import { serve } from "inngest/next";
import { appFunctionContext, getInngest } from "@/inngest/client";
import { makeFunctions } from "@/inngest/functions";

export const { GET, POST, PUT } = serve({
  client: getInngest(),
  functions: makeFunctions(getInngest(), appFunctionContext),
});
