// Text PostgreSQL cannot store: a NUL character (text and jsonb refuse it) and, in jsonb, a lone UTF-16
// surrogate. Both are cleaned at the edge (NUL dropped, a lone surrogate becomes U+FFFD) so that
// hostile or broken input is stored as readable text instead of failing the request with a 500
// (and a Twilio webhook would then fail on every retry and be lost).
type Cleanable = string | number | boolean | null | undefined | Cleanable[] | { [key: string]: Cleanable };

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NEEDS_CLEANING = /[\0\uD800-\uDFFF]/;

export function cleanText(text: string): string {
  // Fast path: almost every string has neither.
  if (!NEEDS_CLEANING.test(text)) return text;
  return text.replaceAll("\0", "").replace(LONE_SURROGATE, "\uFFFD");
}

/** Cleans every string inside plain objects and arrays; binary and other values pass unchanged. */
export function cleanStrings<T>(value: T): T {
  return clean(value as Cleanable) as T;
}

function clean(value: Cleanable): Cleanable {
  if (typeof value === "string") return cleanText(value);
  if (Array.isArray(value)) return value.map(clean);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: { [key: string]: Cleanable } = {};
    for (const [k, v] of Object.entries(value)) out[cleanText(k)] = clean(v);
    return out;
  }
  return value;
}
