// The observability pieces that need no database: alert rules parse and name every condition,
// Daraja call labels stay bounded, the metrics token check, tracing off unless asked for, and log
// lines carrying the active trace id while Daraja spans carry ids but no secrets or phones.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createLogger } from "@/lib/logger";
import { darajaCallLabels } from "@/lib/observability/daraja-call-labels";
import { installObservability } from "@/lib/observability/install";
import { metricsAccess } from "@/lib/observability/metrics-access";
import { tracingRequested, withSpan } from "@/lib/observability/tracing";
import { reportDarajaCall } from "@/lib/payments/observer";

const root = path.resolve(__dirname, "../..");

describe("alert rules (docs/alerts.yml)", () => {
  const rules = parse(readFileSync(path.join(root, "docs/alerts.yml"), "utf8")) as {
    groups: { name: string; rules: { alert: string; expr: string; labels: { severity: string } }[] }[];
  };

  it("parse as a Prometheus rule file with one rule per condition", () => {
    const all = rules.groups.flatMap((group) => group.rules);
    expect(all.map((rule) => rule.alert)).toEqual([
      "MalipoSuccessRateDrop",
      "MalipoInboxBacklog",
      "MalipoDeadCallbacks",
      "MalipoDarajaErrors",
      "MalipoPayoutsStuckUnknown",
      "MalipoWebhookFailureStreak",
    ]);
    for (const rule of all) {
      expect(rule.expr).toMatch(/malipo_/);
      expect(["warning", "critical"]).toContain(rule.labels.severity);
    }
  });

  it("only use metrics Malipo defines", async () => {
    const { registry } = await import("@/lib/observability/metrics");
    const defined = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const exprs = rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr)).join("\n");
    const used = exprs.match(/malipo_[a-z_]+/g) ?? [];
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(defined, name).toContain(name.replace(/_(bucket|sum|count)$/, ""));
  });
});

describe("Daraja call labels", () => {
  const call = { status: 200, error: null, responseBody: { ResponseCode: "0" } };
  it("name the API by its path without versions or query", () => {
    expect(darajaCallLabels({ ...call, path: "/mpesa/stkpush/v1/processrequest" }).api).toBe(
      "stkpush_processrequest",
    );
    expect(darajaCallLabels({ ...call, path: "/oauth/v1/generate?grant_type=client_credentials" })).toEqual({
      api: "oauth_generate",
      result: "0",
    });
  });
  it("take the result from the response code, the error code or the HTTP status", () => {
    const path = "/mpesa/b2c/v3/paymentrequest";
    expect(darajaCallLabels({ ...call, path, responseBody: { ResponseCode: "1" } }).result).toBe("1");
    expect(darajaCallLabels({ ...call, path, status: 500, error: "500.003.02: System busy" }).result).toBe(
      "500.003.02",
    );
    expect(
      darajaCallLabels({ path, status: null, error: "malipo.timeout: No answer", responseBody: null }).result,
    ).toBe("malipo.timeout");
    expect(darajaCallLabels({ path, status: 503, error: null, responseBody: "busy" }).result).toBe(
      "http.503",
    );
  });
});

describe("metrics access", () => {
  it("needs the bearer token when one is set", () => {
    const token = "a".repeat(32);
    expect(metricsAccess(`Bearer ${token}`, { token, nodeEnv: "production" })).toBe("allowed");
    expect(metricsAccess(`Bearer ${"b".repeat(32)}`, { token, nodeEnv: "production" })).toBe("unauthorized");
    expect(metricsAccess(null, { token, nodeEnv: "development" })).toBe("unauthorized");
  });
  it("hides the endpoint in production without a token, and opens it in development", () => {
    expect(metricsAccess(null, { token: undefined, nodeEnv: "production" })).toBe("hidden");
    expect(metricsAccess(null, { token: undefined, nodeEnv: "development" })).toBe("allowed");
  });
});

describe("tracing", () => {
  it("is off unless an OTLP endpoint is set", () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://collector:4318/v1/traces" })).toBe(
      true,
    );
    expect(
      tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_SDK_DISABLED: "true" }),
    ).toBe(false);
  });

  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it("puts the active trace id on log lines, and Daraja calls become child spans with ids but no secrets", async () => {
    installObservability();
    const lines: string[] = [];
    const log = createLogger({
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    let traceId = "";
    await withSpan("api POST", {}, async (span) => {
      traceId = span.spanContext().traceId;
      log.info("inside");
      reportDarajaCall({
        method: "POST",
        path: "/mpesa/stkpush/v1/processrequest",
        status: 200,
        latencyMs: 120,
        startedAt: new Date(),
        requestBody: { Password: "[redacted]", PhoneNumber: "2547•••••678" },
        responseBody: { ResponseCode: "0", CheckoutRequestID: "ws_CO_1" },
        ids: { merchantRequestId: "m-1", checkoutRequestId: "ws_CO_1" },
        error: null,
      });
    });
    log.info("outside");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({ msg: "inside", traceId });
    expect(JSON.parse(lines[1] ?? "{}").traceId).toBeUndefined();

    const daraja = exporter.getFinishedSpans().find((span) => span.name === "daraja stkpush_processrequest");
    expect(daraja?.spanContext().traceId).toBe(traceId);
    expect(daraja?.attributes).toMatchObject({
      "malipo.daraja.checkout_request_id": "ws_CO_1",
      "malipo.daraja.result": "0",
    });
    expect(JSON.stringify(daraja?.attributes)).not.toMatch(/Password|2547|Phone/);
  });
});
