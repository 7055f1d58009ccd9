import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient";
import { ChannelSendError, type SendFailureKind } from "../channel.ts";

export type TwilioRestClient = ReturnType<typeof twilio>;

export interface TwilioRestClientOptions {
  accountSid: string;
  authToken: string;
  /** Send every API request to this origin (e.g. the test fake at http://127.0.0.1:4567) instead of *.twilio.com. */
  apiBaseUrl?: string;
  /** Per-request timeout. twilio's default is 30 s. */
  timeoutMs?: number;
}

/**
 * Rewrites each request's origin to a fixed base URL, keeping path and query.
 * twilio's hosts are hard-coded per domain (api., messaging., …) and `region`/`edge`
 * only prefix them, so the http client is the one place to redirect traffic.
 */
class BaseUrlRequestClient extends twilio.RequestClient {
  readonly #base: URL;

  constructor(apiBaseUrl: string, opts?: RequestClient.RequestClientOptions) {
    super(opts);
    this.#base = new URL(apiBaseUrl);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: rebaseUri(opts.uri, this.#base) });
  }
}

export function rebaseUri(uri: string, base: URL): string {
  const original = new URL(uri);
  // Keep a path prefix on the base (http://host/twilio → http://host/twilio/2010-04-01/…).
  const prefix = base.pathname.replace(/\/+$/, "");
  return `${base.origin}${prefix}${original.pathname}${original.search}`;
}

export function createTwilioRestClient(opts: TwilioRestClientOptions): TwilioRestClient {
  const clientOpts: twilio.ClientOpts = {};
  if (opts.apiBaseUrl) {
    // With a custom httpClient, twilio ignores its own timeout/keepAlive/autoRetry options
    // (they only configure the default RequestClient), so they are passed here.
    clientOpts.httpClient = new BaseUrlRequestClient(opts.apiBaseUrl, { timeout: opts.timeoutMs });
  } else if (opts.timeoutMs !== undefined) {
    clientOpts.timeout = opts.timeoutMs;
  }
  return twilio(opts.accountSid, opts.authToken, clientOpts);
}

export interface TwilioErrorClassification {
  /** True when sending the same request again later can succeed. */
  retryable: boolean;
  /** transient (retry), permanent (this request can never succeed) or auth (our credentials are refused). */
  kind: SendFailureKind;
  /** `unknown` when the request may have reached Twilio but no answer came back (timeout, reset). */
  outcome: "not_sent" | "unknown";
  /** Twilio's numeric error code (e.g. "21211"), or null when there is none (network errors). */
  code: string | null;
  message: string;
  /** HTTP status of Twilio's answer, or null when no answer arrived. */
  httpStatus: number | null;
}

// Failures before the request could leave this machine: Twilio cannot have seen it.
const NOT_SENT_NETWORK_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "UND_ERR_CONNECT_TIMEOUT"]);
// Twilio's "Authenticate" / bad credentials: every request will fail until the settings are fixed.
const AUTH_ERROR_CODES = new Set(["20003", "20005"]);

// Transport failures: the request may or may not have reached Twilio, and nothing answered.
const NETWORK_ERROR_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED", // axios: request timeout
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "ERR_NETWORK",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * Says whether a failed twilio call is worth retrying.
 * twilio throws RestException (legacy JSON body) or TwilioServiceException (RFC 9457 body),
 * both with numeric `status` and `code`; transport failures surface as axios errors with a
 * string `code` and no response. Anything else (e.g. twilio's own "Required parameter …
 * missing" thrown before sending) is a programming error and not retryable.
 */
export function classifyTwilioError(err: unknown): TwilioErrorClassification {
  const e = (typeof err === "object" && err !== null ? err : {}) as Record<string, unknown>;
  const message = typeof e.message === "string" && e.message ? e.message : String(err);

  const response = e.response as Record<string, unknown> | undefined;
  const httpStatus =
    typeof e.status === "number"
      ? e.status
      : typeof response?.status === "number"
        ? response.status
        : null;

  if (httpStatus !== null) {
    const twilioCode = typeof e.code === "number" || (typeof e.code === "string" && /^\d+$/.test(e.code)) ? String(e.code) : null;
    const retryable = httpStatus >= 500 || httpStatus === 429;
    const auth = httpStatus === 401 || (twilioCode !== null && AUTH_ERROR_CODES.has(twilioCode));
    return {
      retryable,
      kind: auth ? "auth" : retryable ? "transient" : "permanent",
      // Twilio answered: whatever it said, it did not accept the request.
      outcome: "not_sent",
      code: twilioCode,
      message,
      httpStatus,
    };
  }

  const cause = e.cause as Record<string, unknown> | undefined;
  const networkCode = [e.code, cause?.code].find(
    (c): c is string => typeof c === "string" && NETWORK_ERROR_CODES.has(c),
  );
  const isTransport = networkCode !== undefined || (e.isAxiosError === true && !response);
  const anyCode = [e.code, cause?.code].find((c): c is string => typeof c === "string");
  return {
    retryable: isTransport,
    kind: isTransport ? "transient" : "permanent",
    outcome: isTransport && !(anyCode && NOT_SENT_NETWORK_CODES.has(anyCode)) ? "unknown" : "not_sent",
    code: null,
    message: networkCode && !message.includes(networkCode) ? `${networkCode}: ${message}` : message,
    httpStatus: null,
  };
}

/** The classified failure as the channel contract's error, for the one outbound handler to act on. */
export function twilioSendError(err: unknown): ChannelSendError {
  const c = classifyTwilioError(err);
  return new ChannelSendError(c.message, c.kind, c.code, c.outcome);
}
