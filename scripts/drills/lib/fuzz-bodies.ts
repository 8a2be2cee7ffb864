// Hostile request bodies for the fuzz drill, from a seeded generator so a failure can be
// replayed with the same --seed: random bytes, truncated and huge JSON, deep nesting, wrong types,
// odd encodings and charsets, NUL, byte-order marks, UTF-16, duplicate keys, numbers as strings
// and very long strings, most of them grown from a real Daraja or REST body.

/** mulberry32: small, fast, seeded; good enough to pick cases. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzBody {
  /** What kind of hostility, for the report. */
  kind: string;
  bytes: Uint8Array<ArrayBuffer>;
  contentType: string | null;
}

const enc = new TextEncoder();
const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "application/json; charset=latin1",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  null,
];

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  -0,
  1.5,
  1e21,
  2 ** 53 + 2,
  -(2 ** 63),
  "",
  " ",
  "0",
  "1e309",
  "-1",
  "NaN",
  "Infinity",
  "\u0000",
  "A\u0000B",
  "\ud800",
  "\u202e",
  "💸",
  "x".repeat(5_000),
  [],
  [1, 2],
  {},
  { $gt: "" },
  { __proto__: { polluted: true } },
  "2026-02-30",
  "../../etc/passwd",
  "'; DROP TABLE payments; --",
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** Every value in `value`, one of them (or one key) swapped for something of the wrong type. */
function mutate(random: () => number, value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((v) => (random() < 0.3 ? mutate(random, v, depth + 1) : v));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const roll = random();
      if (roll < 0.15) continue; // field missing
      if (roll < 0.45) out[k] = pick(random, WEIRD_VALUES);
      else if (roll < 0.55 && typeof v === "number")
        out[k] = String(v); // numbers as strings
      else if (roll < 0.6 && typeof v === "string" && /^\d+$/.test(v)) out[k] = Number(v);
      else out[k] = mutate(random, v, depth + 1);
    }
    if (random() < 0.2)
      out[pick(random, ["extra", "Body", "Result", "amount", "__proto__"])] = pick(random, WEIRD_VALUES);
    return out;
  }
  return random() < 0.3 ? pick(random, WEIRD_VALUES) : value;
}

function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
  let i = 0;
  const put = (code: number) => {
    out[i++] = bigEndian ? code >> 8 : code & 0xff;
    out[i++] = bigEndian ? code & 0xff : code >> 8;
  };
  if (bom) put(0xfeff);
  for (let c = 0; c < text.length; c++) put(text.charCodeAt(c));
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** One hostile body grown from `base` (a real body for the endpoint, or {}). */
export function fuzzBody(random: () => number, base: unknown): FuzzBody {
  const json = JSON.stringify(base);
  const contentType = random() < 0.7 ? "application/json" : pick(random, CONTENT_TYPES);
  const kinds = [
    "random_bytes",
    "truncated",
    "huge",
    "deep",
    "wrong_types",
    "utf16",
    "latin1",
    "invalid_utf8",
    "nul",
    "bom",
    "duplicate_keys",
    "long_string",
    "json_scalar",
    "empty",
    "unchanged",
  ] as const;
  const kind = pick(random, kinds);
  const body = (text: string) => ({ kind, bytes: enc.encode(text), contentType });
  switch (kind) {
    case "random_bytes": {
      const bytes = new Uint8Array(Math.floor(random() * 2_000));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
      return { kind, bytes, contentType };
    }
    case "truncated":
      return body(json.slice(0, Math.floor(random() * json.length)));
    case "huge": {
      // Over and under the 64 KB callback cap; the REST API reads whole JSON bodies.
      const size = pick(random, [60_000, 65_536, 70_000, 300_000, 2_000_000]);
      return body(JSON.stringify({ ...(base as object), padding: "x".repeat(size) }));
    }
    case "deep": {
      const depth = pick(random, [100, 1_000, 10_000, 100_000]);
      const open = random() < 0.5 ? "[" : '{"a":';
      const close = open === "[" ? "]" : "}";
      return body(open.repeat(depth) + (random() < 0.5 ? "1" : json) + close.repeat(depth));
    }
    case "wrong_types":
      return body(JSON.stringify(mutate(random, base)));
    case "utf16":
      return { kind, bytes: utf16(json, random() < 0.5, random() < 0.7), contentType };
    case "latin1": {
      const text = json.replace(/"([A-Za-z]+)"/, '"$1\u00e9\u00ff"');
      return { kind, bytes: Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff), contentType };
    }
    case "invalid_utf8": {
      const cut = Math.floor(random() * json.length);
      const junk = pick(random, [
        [0xc0, 0xaf],
        [0xed, 0xa0, 0x80],
        [0xff],
        [0xe2, 0x82],
        [0xf4, 0x90, 0x80, 0x80],
      ]);
      return {
        kind,
        bytes: concat(enc.encode(json.slice(0, cut)), Uint8Array.from(junk), enc.encode(json.slice(cut))),
        contentType,
      };
    }
    case "nul": {
      const raw = random() < 0.5;
      return body(raw ? json.replace(/"([^"]*)"/, '"$1\u0000"') : json.replace(/"([^"]*)"/, '"$1\\u0000"'));
    }
    case "bom":
      return body(`\ufeff${json}`);
    case "duplicate_keys": {
      const inner = json.slice(1, -1);
      return body(inner ? `{${inner},${inner},"amount":1,"amount":"x"}` : '{"a":1,"a":2}');
    }
    case "long_string":
      return body(JSON.stringify(mutate(random, base)).replace(/"[^"]*"/, `"${"é".repeat(30_000)}"`));
    case "json_scalar":
      return body(pick(random, ["null", "true", "0", '"text"', "[]", "1e309", "-0", '"\\ud800"']));
    case "empty":
      return body(pick(random, ["", " ", "\n", "{}", "{"]));
    default:
      return body(json);
  }
}
