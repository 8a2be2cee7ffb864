"use client";
// Settings → Webhooks: add an endpoint (its secret shown once), choose types, enable or disable,
// rotate the secret, delete, send a test event, and the delivery log with resend.

import { useRouter } from "next/navigation";
import { useActionState, useState, useTransition } from "react";
import { FormError, FormSuccess } from "@/components/form-message";
import { EVENT_TYPES } from "@/lib/events/event-types";
import {
  createEndpointAction,
  deleteEndpointAction,
  type EndpointState,
  resendDeliveryAction,
  rotateSecretAction,
  sendTestEventAction,
  updateEndpointAction,
  type WebhookResult,
} from "../webhook-actions";

export interface EndpointView {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  previousSecretExpiresAt: string | null;
  deliveries: {
    id: string;
    eventType: string | null;
    state: string;
    attempts: number;
    nextAttemptAt: string | null;
    lastAttempt: {
      at: string;
      statusCode: number | null;
      latencyMs: number;
      error: string | null;
      excerpt: string | null;
    } | null;
  }[];
}

function SecretOnce({ secret }: { secret: string | null | undefined }) {
  if (!secret) return null;
  return (
    <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm">
      <p className="font-medium">Copy this signing secret now: it is shown only once.</p>
      <code className="mt-1 block break-all font-mono" data-testid="new-webhook-secret">
        {secret}
      </code>
    </div>
  );
}

function TypeChecklist({ selected, name = "eventTypes" }: { selected?: string[]; name?: string }) {
  return (
    <fieldset className="grid grid-cols-1 gap-1 text-sm sm:grid-cols-2 lg:grid-cols-3">
      <legend className="mb-1 font-medium text-slate-700">Event types (none checked: all)</legend>
      {EVENT_TYPES.map((type) => (
        <label key={type} className="flex items-center gap-2">
          <input type="checkbox" name={name} value={type} defaultChecked={selected?.includes(type)} />
          <span className="font-mono text-xs">{type}</span>
        </label>
      ))}
    </fieldset>
  );
}

export function CreateEndpointForm() {
  const [state, action, pending] = useActionState<EndpointState, FormData>(createEndpointAction, {
    error: null,
    secret: null,
  });
  return (
    <div className="space-y-3">
      <form action={action} className="space-y-3">
        <div className="flex flex-wrap items-end gap-2">
          <label className="block min-w-64 flex-1 text-sm">
            <span className="font-medium text-slate-700">Endpoint URL</span>
            <input
              name="url"
              required
              maxLength={2000}
              placeholder="https://example.com/malipo/webhooks"
              className="input mt-1 w-full"
            />
          </label>
          <label className="block text-sm">
            <span className="font-medium text-slate-700">Description</span>
            <input name="description" maxLength={200} placeholder="optional" className="input mt-1" />
          </label>
        </div>
        <TypeChecklist />
        <button
          type="submit"
          disabled={pending}
          className="rounded-md bg-brand-700 px-3 py-2 text-sm font-medium text-white"
        >
          {pending ? "Adding…" : "Add endpoint"}
        </button>
      </form>
      <FormError message={state.error} />
      <SecretOnce secret={state.secret} />
    </div>
  );
}

function useWebhookAction() {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [result, setResult] = useState<WebhookResult | null>(null);
  const run = (action: () => Promise<WebhookResult>) =>
    start(async () => {
      setResult(await action());
      router.refresh();
    });
  return { pending, result, run };
}

const button = "rounded-md border border-slate-300 bg-white px-2 py-1 text-xs font-medium";

export function EndpointCard({ endpoint, mayManage }: { endpoint: EndpointView; mayManage: boolean }) {
  const { pending, result, run } = useWebhookAction();
  const [editingTypes, setEditingTypes] = useState(false);
  return (
    <article className="rounded-lg border border-slate-200 p-3" data-testid="webhook-endpoint">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div className="min-w-0">
          <p className="break-all font-mono text-sm">{endpoint.url}</p>
          <p className="text-xs text-slate-600">
            {endpoint.description ? `${endpoint.description} · ` : ""}
            {endpoint.eventTypes.length === 0 ? "all event types" : endpoint.eventTypes.join(", ")}
          </p>
          {endpoint.enabled ? (
            <p className="text-xs text-green-800">enabled</p>
          ) : (
            <p className="text-xs text-red-800">
              disabled{endpoint.disabledReason ? `: ${endpoint.disabledReason}` : ""}
            </p>
          )}
          {endpoint.previousSecretExpiresAt && new Date(endpoint.previousSecretExpiresAt) > new Date() ? (
            <p className="text-xs text-amber-800">
              The previous secret also signs until{" "}
              {new Date(endpoint.previousSecretExpiresAt).toLocaleString()}.
            </p>
          ) : null}
        </div>
        {mayManage ? (
          <div className="flex flex-wrap gap-2">
            <button
              type="button"
              disabled={pending}
              className={button}
              onClick={() => run(() => sendTestEventAction(endpoint.id))}
            >
              Send test event
            </button>
            <button
              type="button"
              disabled={pending}
              className={button}
              onClick={() =>
                run(() => updateEndpointAction({ endpointId: endpoint.id, enabled: !endpoint.enabled }))
              }
            >
              {endpoint.enabled ? "Disable" : "Enable"}
            </button>
            <button
              type="button"
              disabled={pending}
              className={button}
              onClick={() => setEditingTypes((v) => !v)}
            >
              Event types
            </button>
            <button
              type="button"
              disabled={pending}
              className={button}
              onClick={() => {
                if (confirm("Rotate the secret? The current one keeps signing for 24 hours."))
                  run(() => rotateSecretAction(endpoint.id));
              }}
            >
              Rotate secret
            </button>
            <button
              type="button"
              disabled={pending}
              className="rounded-md border border-red-300 bg-white px-2 py-1 text-xs font-medium text-red-800"
              onClick={() => {
                if (confirm("Delete this endpoint and its delivery log?"))
                  run(() => deleteEndpointAction(endpoint.id));
              }}
            >
              Delete
            </button>
          </div>
        ) : null}
      </div>
      {editingTypes ? (
        <form
          className="mt-3 space-y-2"
          onSubmit={(e) => {
            e.preventDefault();
            const types = new FormData(e.currentTarget).getAll("eventTypes").map(String);
            run(() => updateEndpointAction({ endpointId: endpoint.id, eventTypes: types }));
            setEditingTypes(false);
          }}
        >
          <TypeChecklist selected={endpoint.eventTypes} />
          <button type="submit" className={button}>
            Save types
          </button>
        </form>
      ) : null}
      <div className="mt-2">
        <FormError message={result?.error} />
        <FormSuccess message={result?.message} />
        <SecretOnce secret={result?.secret} />
      </div>
      <DeliveryLog deliveries={endpoint.deliveries} mayManage={mayManage} />
    </article>
  );
}

function DeliveryLog({
  deliveries,
  mayManage,
}: {
  deliveries: EndpointView["deliveries"];
  mayManage: boolean;
}) {
  const { pending, result, run } = useWebhookAction();
  if (deliveries.length === 0) return <p className="mt-3 text-xs text-slate-500">No deliveries yet.</p>;
  return (
    <div className="mt-3 overflow-x-auto">
      <FormError message={result?.error} />
      <FormSuccess message={result?.message} />
      <table className="w-full text-left text-xs" data-testid="webhook-deliveries">
        <thead className="text-slate-600">
          <tr>
            <th className="py-1 pr-3 font-medium">Time</th>
            <th className="py-1 pr-3 font-medium">Event</th>
            <th className="py-1 pr-3 font-medium">State</th>
            <th className="py-1 pr-3 font-medium">Status</th>
            <th className="py-1 pr-3 font-medium">Latency</th>
            <th className="py-1 pr-3 font-medium">Response</th>
            <th className="py-1" />
          </tr>
        </thead>
        <tbody>
          {deliveries.map((d) => (
            <tr key={d.id} className="border-t border-slate-100 align-top">
              <td className="py-1 pr-3 whitespace-nowrap">
                {d.lastAttempt ? new Date(d.lastAttempt.at).toLocaleString() : "not tried yet"}
              </td>
              <td className="py-1 pr-3 font-mono">{d.eventType}</td>
              <td className="py-1 pr-3">
                {d.state}
                {d.attempts > 0 ? ` (${d.attempts} ${d.attempts === 1 ? "attempt" : "attempts"})` : ""}
                {d.state === "pending" && d.nextAttemptAt ? (
                  <span className="block text-slate-500">
                    next {new Date(d.nextAttemptAt).toLocaleString()}
                  </span>
                ) : null}
              </td>
              <td className="py-1 pr-3">{d.lastAttempt?.statusCode ?? (d.lastAttempt ? "—" : "")}</td>
              <td className="py-1 pr-3">{d.lastAttempt ? `${d.lastAttempt.latencyMs} ms` : ""}</td>
              <td
                className="max-w-64 truncate py-1 pr-3 font-mono"
                title={d.lastAttempt?.excerpt ?? d.lastAttempt?.error ?? ""}
              >
                {d.lastAttempt?.error ?? d.lastAttempt?.excerpt ?? ""}
              </td>
              <td className="py-1">
                {mayManage ? (
                  <button
                    type="button"
                    disabled={pending}
                    className={button}
                    onClick={() => run(() => resendDeliveryAction(d.id))}
                  >
                    Resend
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
