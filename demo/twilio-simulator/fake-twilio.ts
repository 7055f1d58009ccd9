// A loopback stand-in for Twilio's REST API (2010-04-01 Messages, Calls, Conferences, MMS media): the tests'
// fake, and the REST half of the demo's Twilio simulator (simulator.ts adds the webhooks Twilio sends).
// Messages: create, fetch and list (To, From, DateSent filters, paged, newest first, as Twilio lists them).
// Point the real twilio client at it with createTwilioRestClient({ apiBaseUrl: fake.url }).
import { smsSegments } from "../../shared/sms-segments.ts";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { createFakeConferences, type FakeConferences } from "./fake-twilio-conferences.ts";

export const DEFAULT_TEST_ACCOUNT_SID = "AC" + "0123456789abcdef".repeat(2);
export const DEFAULT_TEST_AUTH_TOKEN = "test-auth-token-" + "f".repeat(16);

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. /2010-04-01/Accounts/AC…/Messages.json */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  auth: { username: string; password: string } | null;
  /** Form fields; for a repeated key (MediaUrl, StatusCallbackEvent) the last value. */
  form: Record<string, string>;
  /** Every form field in order, repeated keys included. */
  formAll: [string, string][];
  rawBody: string;
  receivedAt: Date;
  /** What the fake answered; null when the socket was dropped (dropNext). */
  response: { status: number; body: Record<string, unknown> } | null;
}

export interface FakeTwilioFailure {
  status: number;
  code?: number;
  message?: string;
}

export interface FakeTwilio {
  url: string;
  accountSid: string;
  authToken: string;
  requests: RecordedRequest[];
  messages(): RecordedRequest[];
  calls(): RecordedRequest[];
  callUpdates(): RecordedRequest[];
  /** Conferences and their participants (fake-twilio-conferences.ts): join by TwiML, answer, leave. */
  conferences: FakeConferences;
  /** Requests to a conference's Participants (create, update, remove), oldest first. */
  participantRequests(): RecordedRequest[];
  /**
   * Serves an MMS file as Twilio does: at its API URL (Basic auth), which redirects to short-lived
   * storage that refuses a request carrying credentials. Returns the URL a webhook names
   * (https://api.twilio.com/…, reached here through the client's base URL) and the path the fake sees.
   */
  addMedia(file: { contentType: string; data: Buffer; messageSid?: string }): { url: string; path: string };
  failNext(n: number, failure: FakeTwilioFailure): void;
  dropNext(n: number): void;
  /**
   * The next n requests are handled (a message is created, as Twilio would) but answered only after
   * ms: long enough past the client's timeout, the sender cannot know the outcome.
   */
  delayNext(n: number, ms: number): void;
  /** Every answer waits this long (0: none): for killing a sender mid-request. */
  setLatency(ms: number): void;
  /** Messages the fake accepted (POSTs answered 201 or about to be), whatever happened to the answer. */
  acceptedMessages(): Record<string, unknown>[];
  /** Moves a created message on (sent, delivered, undelivered …), as its later fetches and lists show it. */
  setMessageStatus(sid: string, status: string, errorCode?: number | null): void;
  waitFor(predicate: (req: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>;
  reset(): void;
  close(): Promise<void>;
}

const API = "/2010-04-01";
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MESSAGE_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/;
const CALLS_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/;
const CALL_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/;
const MEDIA_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\/Media\/([^/.]+)$/;
const STORAGE_PATH = /^\/media-storage\/([0-9a-f]+)$/;

// Twilio's error codes for plain HTTP failures, used when failNext() names no code.
const DEFAULT_ERROR_CODES: Record<number, number> = {
  401: 20003,
  403: 20403,
  404: 20404,
  405: 20004,
  429: 20429,
  500: 20500,
  503: 20503,
};

const DEFAULT_ERROR_MESSAGES: Record<number, string> = {
  400: "Bad Request",
  401: "Authenticate",
  403: "Forbidden",
  404: "The requested resource was not found",
  405: "Method not allowed",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString("hex");
}

/** Twilio's date format: "Thu, 30 Jul 2015 20:12:31 +0000". */
function twilioDate(d: Date): string {
  return d.toUTCString().replace("GMT", "+0000");
}

function twilioError(status: number, code: number | null, message: string) {
  return {
    code,
    message,
    more_info: code === null ? null : `https://www.twilio.com/docs/errors/${code}`,
    status,
  };
}

/** Twilio's NumSegments: as the composer counts them (shared/sms-segments.ts), and 1 for an empty body. */
function countSegments(body: string): number {
  return Math.max(1, smsSegments(body).segments);
}

function parseBasicAuth(header: string | undefined): { username: string; password: string } | null {
  if (!header) return null;
  const m = /^Basic\s+(.+)$/i.exec(header.trim());
  if (!m?.[1]) return null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i < 0) return null;
  return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export interface FakeTwilioOptions {
  accountSid?: string;
  authToken?: string;
  /** Called once for each message Twilio accepted (a 201 to POST Messages.json), after the answer is sent. */
  onMessageCreated?: (message: Record<string, unknown>, form: Record<string, string>) => void;
  /** Called for each accepted update of a call (POST Calls/{sid}.json: new Twiml or Url, or Status), after the answer. */
  onCallUpdated?: (callSid: string, form: Record<string, string>) => void;
  /** Called for each participant placed into a conference (a 201 to POST Participants.json), after the answer. */
  onParticipantCreated?: (participant: Record<string, unknown>, form: Record<string, string>) => void;
  /** Keep only the newest n requests (the demo runs for hours); every request is kept by default. */
  maxRecordedRequests?: number;
}

export async function startFakeTwilio(opts: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const accountSid = opts.accountSid ?? DEFAULT_TEST_ACCOUNT_SID;
  const authToken = opts.authToken ?? DEFAULT_TEST_AUTH_TOKEN;

  const requests: RecordedRequest[] = [];
  let pendingFailures: FakeTwilioFailure[] = [];
  let pendingDrops = 0;
  let pendingDelays: number[] = [];
  let latencyMs = 0;
  const messagesBySid = new Map<string, Record<string, unknown>>();
  const callsBySid = new Map<string, Record<string, unknown>>();
  const conferences = createFakeConferences(accountSid);
  const mediaByPath = new Map<string, { contentType: string; data: Buffer; token: string }>();
  const mediaByToken = new Map<string, { contentType: string; data: Buffer }>();
  let storageUrl = "";
  const waiters = new Set<{ predicate: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }>();
  const sockets = new Set<Socket>();

  function notify(rec: RecordedRequest) {
    for (const w of waiters) {
      if (w.predicate(rec)) {
        waiters.delete(w);
        w.resolve(rec);
      }
    }
  }

  function messageResource(form: Record<string, string>, formAll: [string, string][], now: Date) {
    const sid = newSid("SM");
    const body = form.Body ?? "";
    const numMedia = formAll.filter(([k]) => k === "MediaUrl").length;
    const viaService = !form.From && !!form.MessagingServiceSid;
    const uri = `${API}/Accounts/${accountSid}/Messages/${sid}.json`;
    return {
      account_sid: accountSid,
      api_version: "2010-04-01",
      body,
      date_created: twilioDate(now),
      date_sent: null,
      date_updated: twilioDate(now),
      direction: "outbound-api",
      error_code: null,
      error_message: null,
      from: form.From ?? null,
      messaging_service_sid: form.MessagingServiceSid ?? null,
      num_media: String(numMedia),
      num_segments: String(countSegments(body)),
      price: null,
      price_unit: "USD",
      sid,
      // A send through a Messaging Service without From starts as "accepted".
      status: viaService ? "accepted" : "queued",
      subresource_uris: { media: `${API}/Accounts/${accountSid}/Messages/${sid}/Media.json` },
      to: form.To,
      uri,
    };
  }

  function callResource(sid: string, fields: { to: string | null; from: string | null; status: string }, now: Date) {
    return {
      account_sid: accountSid,
      annotation: null,
      answered_by: null,
      api_version: "2010-04-01",
      caller_name: null,
      date_created: twilioDate(now),
      date_updated: twilioDate(now),
      direction: "outbound-api",
      duration: null,
      end_time: null,
      forwarded_from: null,
      from: fields.from,
      from_formatted: fields.from,
      group_sid: null,
      parent_call_sid: null,
      phone_number_sid: null,
      price: null,
      price_unit: "USD",
      queue_time: "0",
      sid,
      start_time: null,
      status: fields.status,
      subresource_uris: {
        notifications: `${API}/Accounts/${accountSid}/Calls/${sid}/Notifications.json`,
        recordings: `${API}/Accounts/${accountSid}/Calls/${sid}/Recordings.json`,
      },
      to: fields.to,
      to_formatted: fields.to,
      trunk_sid: null,
      uri: `${API}/Accounts/${accountSid}/Calls/${sid}.json`,
    };
  }

  /** GET Messages.json: Twilio's filters are exact To/From and DateSent (a day, or with > / <). */
  function listMessages(rec: RecordedRequest): { status: number; body: Record<string, unknown> } {
    const q = rec.query;
    const pageSize = Math.min(1000, Math.max(1, Number(q.PageSize ?? 50) || 50));
    const page = Math.max(0, Number(q.Page ?? 0) || 0);
    const day = (v: string | undefined) => (v ? new Date(v).getTime() : null);
    const sentOn = day(q.DateSent), after = day(q["DateSent>"]), before = day(q["DateSent<"]);
    const all = [...messagesBySid.values()]
      .filter((m) => (!q.To || m.to === q.To) && (!q.From || m.from === q.From))
      .filter((m) => {
        const created = new Date(String(m.date_created)).getTime();
        if (sentOn !== null && new Date(created).toISOString().slice(0, 10) !== new Date(sentOn).toISOString().slice(0, 10)) return false;
        if (after !== null && created < after) return false;
        if (before !== null && created > before) return false;
        return true;
      })
      .reverse();
    const messages = all.slice(page * pageSize, (page + 1) * pageSize);
    const base = `${API}/Accounts/${accountSid}/Messages.json`;
    // Twilio's page links keep the filters of the first request.
    const pageUri = (n: number) => {
      const params = new URLSearchParams(Object.entries(q).filter(([k]) => k !== "Page" && k !== "PageSize" && k !== "PageToken"));
      params.set("PageSize", String(pageSize));
      params.set("Page", String(n));
      return `${base}?${params}`;
    };
    return {
      status: 200,
      body: {
        end: page * pageSize + messages.length - 1,
        first_page_uri: pageUri(0),
        messages,
        next_page_uri: (page + 1) * pageSize < all.length ? pageUri(page + 1) : null,
        page,
        page_size: pageSize,
        previous_page_uri: page > 0 ? pageUri(page - 1) : null,
        start: page * pageSize,
        uri: pageUri(page),
      },
    };
  }

  /** Decides Twilio's answer to an authenticated request. */
  function route(rec: RecordedRequest): { status: number; body: Record<string, unknown> } {
    const { method, path, form, formAll } = rec;
    const now = rec.receivedAt;
    const notFound = () => ({
      status: 404,
      body: twilioError(404, 20404, `The requested resource ${path} was not found`),
    });

    const accountInPath = /^\/2010-04-01\/Accounts\/([^/.]+)/.exec(path)?.[1];
    // Another account's resources: Twilio answers 404 rather than revealing them.
    if (accountInPath !== undefined && accountInPath !== accountSid) return notFound();

    if (MESSAGES_PATH.test(path) && method === "POST") {
      if (!form.To) return { status: 400, body: twilioError(400, 21604, "A 'To' phone number is required.") };
      if (!form.From && !form.MessagingServiceSid) {
        return { status: 400, body: twilioError(400, 21603, "A 'From' phone number is required.") };
      }
      const hasMedia = formAll.some(([k]) => k === "MediaUrl");
      if (!form.Body && !hasMedia && !form.ContentSid) {
        return { status: 400, body: twilioError(400, 21602, "Message body is required.") };
      }
      if ((form.Body ?? "").length > 1600) {
        return {
          status: 400,
          body: twilioError(400, 21617, "The concatenated message body exceeds the 1600 character limit."),
        };
      }
      const msg = messageResource(form, formAll, now);
      messagesBySid.set(msg.sid, msg);
      return { status: 201, body: msg };
    }

    if (MESSAGES_PATH.test(path) && method === "GET") return listMessages(rec);

    const messageMatch = MESSAGE_PATH.exec(path);
    if (messageMatch && method === "GET") {
      const msg = messagesBySid.get(messageMatch[2] ?? "");
      return msg ? { status: 200, body: msg } : notFound();
    }

    const conference = conferences.route(method, path, form, rec.query);
    if (conference) return conference;

    if (CALLS_PATH.test(path) && method === "POST") {
      if (!form.To) return { status: 400, body: twilioError(400, 21201, "No 'To' number is specified") };
      if (!form.From) return { status: 400, body: twilioError(400, 21213, "No 'From' number is specified") };
      if (!form.Url && !form.Twiml && !form.ApplicationSid) {
        return { status: 400, body: twilioError(400, 21205, "Url parameter is required.") };
      }
      const sid = newSid("CA");
      const call = callResource(sid, { to: form.To, from: form.From, status: "queued" }, now);
      callsBySid.set(sid, call);
      return { status: 201, body: call };
    }

    const callMatch = CALL_PATH.exec(path);
    if (callMatch && (method === "POST" || method === "GET")) {
      const sid = callMatch[2] ?? "";
      if (!/^CA\w+$/.test(sid)) return notFound();
      // Calls that arrived by webhook were never created here; treat any CA sid as a live call.
      const call = callsBySid.get(sid) ?? callResource(sid, { to: null, from: null, status: "in-progress" }, now);
      if (method === "POST") {
        if (form.Status === "completed" || form.Status === "canceled") call.status = form.Status;
        call.date_updated = twilioDate(now);
      }
      callsBySid.set(sid, call);
      return { status: 200, body: call };
    }

    return notFound();
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? "/", "http://fake-twilio.invalid");
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;

    const formAll: [string, string][] = [];
    const contentType = String(req.headers["content-type"] ?? "");
    if (contentType.startsWith("application/x-www-form-urlencoded")) {
      for (const [k, v] of new URLSearchParams(rawBody)) formAll.push([k, v]);
    }
    const form: Record<string, string> = {};
    for (const [k, v] of formAll) form[k] = v;

    const rec: RecordedRequest = {
      method: (req.method ?? "GET").toUpperCase(),
      path: url.pathname,
      query,
      headers: { ...req.headers },
      auth: parseBasicAuth(req.headers.authorization),
      form,
      formAll,
      rawBody,
      receivedAt: new Date(),
      response: null,
    };
    requests.push(rec);
    if (opts.maxRecordedRequests !== undefined && requests.length > opts.maxRecordedRequests) requests.shift();

    if (pendingDrops > 0) {
      pendingDrops -= 1;
      notify(rec);
      req.socket.destroy();
      return;
    }

    let answer: { status: number; body: Record<string, unknown>; headers?: Record<string, string>; raw?: Buffer };
    const failure = pendingFailures.shift();
    const mediaPath = MEDIA_PATH.exec(rec.path);
    if (failure) {
      const code = failure.code ?? DEFAULT_ERROR_CODES[failure.status] ?? null;
      const message = failure.message ?? DEFAULT_ERROR_MESSAGES[failure.status] ?? `HTTP ${failure.status}`;
      answer = { status: failure.status, body: twilioError(failure.status, code, message) };
    } else if (rec.auth?.username !== accountSid || rec.auth.password !== authToken) {
      answer = {
        status: 401,
        body: twilioError(401, 20003, "Authenticate"),
        headers: { "WWW-Authenticate": 'Basic realm="Twilio API"' },
      };
    } else if (mediaPath && rec.method === "GET" && mediaPath[1] === accountSid) {
      const file = mediaByPath.get(rec.path);
      answer = file
        ? { status: 307, body: {}, headers: { Location: `${storageUrl}/media-storage/${file.token}?Expires=${Date.now() + 240_000}&Signature=fake` } }
        : { status: 404, body: twilioError(404, 20404, `The requested resource ${rec.path} was not found`) };
    } else {
      answer = route(rec);
    }

    const delay = pendingDelays.shift() ?? latencyMs;
    if (delay > 0) {
      notify(rec);
      await new Promise((r) => setTimeout(r, delay));
      if (req.socket.destroyed) return;
    }
    rec.response = { status: answer.status, body: answer.body };
    notify(rec);
    // 204 (a participant removed) has no body, as Twilio sends it.
    const payload = answer.status === 204 ? Buffer.alloc(0) : (answer.raw ?? Buffer.from(JSON.stringify(answer.body)));
    res.writeHead(answer.status, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": payload.length,
      "Twilio-Request-Id": newSid("RQ"),
      ...answer.headers,
    });
    res.end(payload);
    if (opts.onMessageCreated && answer.status === 201 && rec.method === "POST" && MESSAGES_PATH.test(rec.path)) {
      opts.onMessageCreated(answer.body, rec.form);
    }
    if (opts.onParticipantCreated && answer.status === 201 && rec.method === "POST" && /\/Participants\.json$/.test(rec.path)) opts.onParticipantCreated(answer.body, rec.form);
    const updatedCall = CALL_PATH.exec(rec.path);
    if (opts.onCallUpdated && updatedCall && answer.status === 200 && rec.method === "POST") opts.onCallUpdated(updatedCall[2] ?? "", rec.form);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": "application/json; charset=utf-8" });
        res.end(JSON.stringify(twilioError(500, 20500, `fake-twilio: ${String(err)}`)));
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  // The storage Twilio redirects media to: another origin, with its own signed URL, refusing a request
  // that also carries credentials (as S3 does).
  const storage = createServer((req, res) => {
    const file = mediaByToken.get(STORAGE_PATH.exec(new URL(req.url ?? "/", "http://storage.invalid").pathname)?.[1] ?? "");
    const answer = req.headers.authorization
      ? { status: 400, type: "application/xml", data: Buffer.from("<Error><Code>InvalidArgument</Code><Message>Only one auth mechanism allowed</Message></Error>") }
      : file
        ? { status: 200, type: file.contentType, data: file.data }
        : { status: 404, type: "application/xml", data: Buffer.from("<Error><Code>NoSuchKey</Code></Error>") };
    res.writeHead(answer.status, { "Content-Type": answer.type, "Content-Length": answer.data.length });
    res.end(answer.data);
  });
  storage.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    storage.once("error", reject);
    storage.listen(0, "127.0.0.1", () => resolve());
  });
  storageUrl = `http://127.0.0.1:${(storage.address() as AddressInfo).port}`;

  const byPath = (pattern: RegExp) => () =>
    requests.filter((r) => r.method === "POST" && pattern.test(r.path));

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    messages: byPath(MESSAGES_PATH),
    calls: byPath(CALLS_PATH),
    callUpdates: byPath(CALL_PATH),
    conferences,
    participantRequests: () => requests.filter((r) => /\/Conferences\/[^/]+\/Participants(\/[^/]+)?\.json$/.test(r.path) && r.method !== "GET"),
    addMedia(file) {
      const messageSid = file.messageSid ?? newSid("MM");
      const path = `${API}/Accounts/${accountSid}/Messages/${messageSid}/Media/${newSid("ME")}`;
      const token = randomBytes(12).toString("hex");
      mediaByPath.set(path, { ...file, token });
      mediaByToken.set(token, file);
      return { url: `https://api.twilio.com${path}`, path };
    },
    failNext(n, failure) {
      for (let i = 0; i < n; i++) pendingFailures.push({ ...failure });
    },
    dropNext(n) {
      pendingDrops += n;
    },
    delayNext(n, ms) {
      for (let i = 0; i < n; i++) pendingDelays.push(ms);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    acceptedMessages() {
      return [...messagesBySid.values()];
    },
    setMessageStatus(sid, status, errorCode = null) {
      const msg = messagesBySid.get(sid);
      if (!msg) return;
      const now = twilioDate(new Date());
      msg.status = status;
      msg.error_code = errorCode;
      msg.date_updated = now;
      if (status === "sent" && !msg.date_sent) msg.date_sent = now;
    },
    waitFor(predicate, timeoutMs = 5000) {
      const seen = requests.find(predicate);
      if (seen) return Promise.resolve(seen);
      return new Promise<RecordedRequest>((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (r: RecordedRequest) => {
            clearTimeout(timer);
            resolve(r);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seenPaths = requests.map((r) => `${r.method} ${r.path}`).join(", ") || "none";
          reject(new Error(`fake-twilio: no matching request within ${timeoutMs} ms (received: ${seenPaths})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    reset() {
      // Same array object, so references held by tests stay live.
      requests.length = 0;
      pendingFailures = [];
      pendingDrops = 0;
      pendingDelays = [];
      latencyMs = 0;
      messagesBySid.clear();
      callsBySid.clear();
      conferences.reset();
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        storage.close();
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets from the twilio client would hold close() open.
        for (const s of sockets) s.destroy();
      });
    },
  };
}
