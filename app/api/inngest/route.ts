// Serves Malipo's Inngest functions to Inngest Cloud or a self-hosted Inngest server.
import { serve } from "inngest/next";
import { makeFunctions } from "@/inngest/functions";
import { getInngest } from "@/lib/background/client";
import { appBackgroundContext } from "@/lib/background/context";

export const { GET, POST, PUT } = serve({
  client: getInngest(),
  functions: makeFunctions(getInngest(), appBackgroundContext),
});
