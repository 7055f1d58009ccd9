// Who may do what (shared/DESIGN.md): every REST route and every /agent socket event, called as
// nobody, agent, supervisor and admin, answers as the table below says. The table must name every
// route the app serves (walked from express's router) and every event the namespace listens to, so
// a route added without an entry here fails this test.
import { randomBytes } from "node:crypto";
import { io as connectSocket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ErrorCode } from "../shared/api.ts";
import { AGENT_NAMESPACE } from "../shared/events.ts";
import { createConversation, createOffer } from "./support/conversations.ts";
import { createEmailConversation, createEmailMessage } from "./support/email-messages.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { eventually, startTestApp, type TestApp } from "./support/test-app.ts";

type Role = "agent" | "supervisor" | "admin";
type Caller = Role | "nobody";
const ROLES: Role[] = ["agent", "supervisor", "admin"];

let t: TestApp;
let queueId: string;
let otherQueueId: string;
const people = {} as Record<Role, { id: string; email: string; cookie: string }>;
let owner: { id: string; name: string };

beforeAll(async () => {
  t = await startTestApp({
    env: { TWILIO_API_KEY_SID: "SK" + "1".repeat(32), TWILIO_API_KEY_SECRET: "secret", TWILIO_TWIML_APP_SID: "AP" + "2".repeat(32) },
  });
  queueId = (await createQueue(t.pool, { name: "Support" })).id;
  otherQueueId = (await createQueue(t.pool, { name: "Billing" })).id;
  owner = await createAgent(t.pool, { name: "Olive Owner", presence: "available" });
  for (const role of ROLES) {
    const a = await createAgent(t.pool, { role, name: `The ${role}` });
    people[role] = { ...a, cookie: await t.login(a.email) };
  }
});
afterAll(async () => t?.close());

/** What a route answers each caller: a status, or [status, code]. */
type Outcome = number | [number, ErrorCode];
interface RouteCase {
  /** Builds a fresh request for this caller (state-changing routes get their own conversation each time). */
  request(as: Role | "nobody", actorId: string): Promise<{ path: string; body?: unknown }>;
  agent: Outcome;
  supervisor: Outcome;
  admin: Outcome;
}
const everyone = (status: number) => ({ agent: status, supervisor: status, admin: status });
const assignedOnly = (status: number) => ({ agent: [403, "NOT_ASSIGNED"] as Outcome, supervisor: status, admin: status });
const adminOnly = (status: number) => ({ agent: [403, "FORBIDDEN"] as Outcome, supervisor: [403, "FORBIDDEN"] as Outcome, admin: status });
const readers = (status: number) => ({ agent: [403, "FORBIDDEN"] as Outcome, supervisor: status, admin: status });
const fixed = (path: string, body?: unknown) => async () => ({ path, body });
const ownersConversation = (channel: "sms" | "voice", suffix: string, body?: unknown) => async () => {
  const c = await createConversation(t.pool, { channel, assignedAgentId: owner.id });
  return { path: `/api/conversations/${c.id}${suffix}`, body };
};
const customerPath = (suffix: string) => async () => ({ path: `/api/customers/${(await createConversation(t.pool)).customerId}${suffix}` });
const throwawayAgent = (suffix: string, body: unknown) => async () => ({ path: `/api/agents/${(await createAgent(t.pool)).id}${suffix}`, body });
const throwawayQueue = (suffix: string, body?: unknown) => async () => ({ path: `/api/queues/${(await createQueue(t.pool)).id}${suffix}`, body });
const hex = () => randomBytes(4).toString("hex");
/** A fresh conversation of the owner's, acted on from the live board. */
const supervised = (suffix: string, body: () => Promise<unknown>) => async () => {
  const c = await createConversation(t.pool, { channel: "sms", assignedAgentId: owner.id });
  return { path: `/api/supervisor/conversations/${c.id}${suffix}`, body: await body() };
};
const throwawayNumber = (body?: unknown) => async () => {
  const number = `+1415${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;
  const { rows } = await t.pool.query(`INSERT INTO phone_numbers (number) VALUES ($1) ON CONFLICT (number) DO UPDATE SET label = NULL RETURNING id`, [number]);
  return { path: `/api/phone-numbers/${rows[0].id}`, body };
};
const throwawayMailbox = (body?: unknown) => async () => {
  const tag = hex();
  const { rows } = await t.pool.query(
    `INSERT INTO mailboxes (name, address, imap_host, imap_port, imap_user, imap_password, smtp_host, smtp_port)
     VALUES ($1, $2, 'imap.example.test', 993, 'support', 'sealed', 'smtp.example.test', 587) RETURNING id`,
    [`Mailbox ${tag}`, `support-${tag}@example.test`],
  );
  return { path: `/api/mailboxes/${rows[0].id}`, body };
};
/** A new email thread to a customer with an address, from a mailbox (one is made if none is left active). */
const newEmail = async () => {
  await throwawayMailbox()();
  const { rows } = await t.pool.query<{ id: string }>(
    `WITH c AS (INSERT INTO customers DEFAULT VALUES RETURNING id)
     INSERT INTO identities (customer_id, kind, value, verified, source) SELECT id, 'email', $1, true, 'test' FROM c RETURNING customer_id AS id`,
    [`customer-${hex()}@example.test`],
  );
  return { path: "/api/emails", body: { customerId: rows[0]!.id, subject: "Hello", body: "A first mail" } };
};
const newCannedReplyBody = () => ({ title: "Greeting", shortcut: `hi-${hex()}`, body: "Hi {{customer.firstName}}" });
const throwawayCannedReply = (body?: unknown) => async () => {
  const { rows } = await t.pool.query(`INSERT INTO canned_replies (title, shortcut, body) VALUES ('Thanks', $1, 'Thank you!') RETURNING id`, [`thanks-${hex()}`]);
  return { path: `/api/canned-replies/${rows[0].id}`, body };
};
/** A reminder of the caller's own, due in an hour, on a fresh customer. */
const ownReminder = (suffix: string) => async (_as: Caller, me: string) => {
  const c = await createConversation(t.pool);
  const { rows } = await t.pool.query(
    `INSERT INTO reminders (agent_id, customer_id, due_at, note) VALUES ($1, $2, now() + interval '1 hour', 'Call back') RETURNING id`,
    [me, c.customerId],
  );
  return { path: `/api/reminders/${rows[0].id}${suffix}` };
};
const newMailboxBody = () => {
  const tag = hex();
  return {
    name: `Mailbox ${tag}`,
    address: `help-${tag}@example.test`,
    imap: { host: "imap.example.test", port: 993, secure: true, user: "help", password: "imap secret" },
    smtp: { host: "smtp.example.test", port: 587, secure: false },
  };
};

const ROUTES: Record<string, RouteCase> = {
  "GET /api/me": { request: fixed("/api/me"), ...everyone(200) },
  "PUT /api/me/presence": { request: fixed("/api/me/presence", { presence: "away" }), ...everyone(200) },
  "PUT /api/me/phone": { request: fixed("/api/me/phone", { phone: null }), ...everyone(200) },
  // No code was asked for: the same answer whatever the role (it is the caller's own number).
  "POST /api/me/phone/confirm": {
    request: fixed("/api/me/phone/confirm", { code: "123456" }),
    agent: [400, "VERIFICATION_FAILED"],
    supervisor: [400, "VERIFICATION_FAILED"],
    admin: [400, "VERIFICATION_FAILED"],
  },
  // A wrong current password is refused alike for every role (it is the caller's own account).
  "POST /api/me/password": { request: fixed("/api/me/password", { currentPassword: "not the password", newPassword: "a brand new long password" }), ...everyone(403) },
  "PUT /api/me/softphone": { request: fixed("/api/me/softphone", { registered: false }), ...everyone(204) },
  "GET /api/me/work": { request: fixed("/api/me/work"), ...everyone(200) },
  "GET /api/voice/token": { request: fixed("/api/voice/token"), ...everyone(200) },
  "GET /api/channels": { request: fixed("/api/channels"), ...everyone(200) },
  "POST /api/offers/:id/accept": { request: async (_as, me) => ({ path: `/api/offers/${(await createOffer(t.pool, me)).id}/accept` }), ...everyone(200) },
  "POST /api/offers/:id/reject": { request: async (_as, me) => ({ path: `/api/offers/${(await createOffer(t.pool, me)).id}/reject` }), ...everyone(204) },
  "GET /api/conversations/:id": { request: ownersConversation("sms", ""), ...everyone(200) },
  "POST /api/conversations/:id/resolve": { request: ownersConversation("sms", "/resolve"), ...assignedOnly(200) },
  // Moving one's own conversation hands it on; a supervisor may move any (test/queues.test.ts).
  "POST /api/conversations/:id/queue": {
    request: async () => ownersConversation("sms", "/queue", { queueId: otherQueueId })(),
    ...assignedOnly(200),
  },
  "POST /api/conversations/:id/call": { request: ownersConversation("voice", "/call", { action: "hold" }), ...assignedOnly(200) },
  // Past the role check a call without a running conference is a CONFLICT (test/call-monitor.test.ts plays the 200s out).
  "POST /api/conversations/:id/monitor": { request: ownersConversation("voice", "/monitor", { mode: "listen" }), ...readers(409), supervisor: [409, "CONFLICT"], admin: [409, "CONFLICT"] },
  "DELETE /api/conversations/:id/monitor": { request: ownersConversation("voice", "/monitor"), ...readers(404), supervisor: [404, "NOT_FOUND"], admin: [404, "NOT_FOUND"] },
  "GET /api/conversations/:id/monitors": { request: ownersConversation("voice", "/monitors"), ...everyone(200) },
  "GET /api/conversations/:id/consult": { request: ownersConversation("voice", "/consult"), ...everyone(200) },
  "POST /api/conversations/:id/wrap-up": { request: ownersConversation("voice", "/wrap-up", { disposition: "resolved" }), ...assignedOnly(200) },
  "POST /api/conversations/:id/messages": { request: ownersConversation("sms", "/messages", { body: "On it" }), ...assignedOnly(201) },
  // A note is not a reply: anyone may leave one on any conversation (no department an island).
  "POST /api/conversations/:id/notes": { request: ownersConversation("sms", "/notes", { body: "Noted" }), ...everyone(201) },
  "GET /api/agent-directory": { request: fixed("/api/agent-directory"), ...everyone(200) },
  "GET /api/transfer-targets": { request: fixed("/api/transfer-targets"), ...everyone(200) },
  "GET /api/agents": { request: fixed("/api/agents"), ...readers(200) },
  "GET /api/audit-events": { request: fixed("/api/audit-events"), ...adminOnly(200) },
  "POST /api/agents": {
    request: async () => ({ path: "/api/agents", body: { email: `new-${randomBytes(4).toString("hex")}@example.test`, name: "New", password: "a long enough password" } }),
    ...adminOnly(201),
  },
  "PATCH /api/agents/:id": { request: throwawayAgent("", { skills: ["billing"] }), ...adminOnly(200) },
  "POST /api/agents/:id/deactivate": { request: throwawayAgent("/deactivate", undefined), ...adminOnly(200) },
  "POST /api/agents/:id/reactivate": { request: throwawayAgent("/reactivate", undefined), ...adminOnly(200) },
  "POST /api/agents/:id/unlock": { request: throwawayAgent("/unlock", undefined), ...adminOnly(200) },
  "PUT /api/agents/:id/phone": { request: throwawayAgent("/phone", { phone: "+14155550123" }), ...adminOnly(200) },
  "GET /api/queues": { request: fixed("/api/queues"), ...everyone(200) },
  "PUT /api/queues/:id": { request: async () => ({ path: `/api/queues/${queueId}`, body: { maxWaitSeconds: 300 } }), ...adminOnly(200) },
  // Agents read queues too (to send a call to another one); who serves them and their targets are the supervisors'.
  "GET /api/queues/:id": { request: async () => ({ path: `/api/queues/${queueId}` }), ...everyone(200) },
  "POST /api/queues": { request: async () => ({ path: "/api/queues", body: { name: `Queue ${hex()}` } }), ...adminOnly(201) },
  "DELETE /api/queues/:id": { request: throwawayQueue(""), ...adminOnly(204) },
  "GET /api/queues/:id/members": { request: async () => ({ path: `/api/queues/${queueId}/members` }), ...readers(200) },
  "PUT /api/queues/:id/members": { request: throwawayQueue("/members", { members: [] }), ...adminOnly(200) },
  "GET /api/queues/:id/targets": { request: async () => ({ path: `/api/queues/${queueId}/targets` }), ...readers(200) },
  "PUT /api/queues/:id/targets": { request: throwawayQueue("/targets", { targets: [{ tier: "gold", channel: "sms", seconds: 300 }] }), ...adminOnly(200) },
  "GET /api/tier-thresholds": { request: fixed("/api/tier-thresholds"), ...readers(200) },
  "PUT /api/tier-thresholds": { request: fixed("/api/tier-thresholds", { gold: null, platinum: null }), ...adminOnly(200) },
  "GET /api/phone-numbers": { request: fixed("/api/phone-numbers"), ...readers(200) },
  "POST /api/phone-numbers": {
    request: async () => ({ path: "/api/phone-numbers", body: { number: `+1628${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}` } }),
    ...adminOnly(201),
  },
  "PUT /api/phone-numbers/:id": { request: throwawayNumber({ label: "Sales line" }), ...adminOnly(200) },
  "DELETE /api/phone-numbers/:id": { request: throwawayNumber(), ...adminOnly(204) },
  "GET /api/away-reasons": { request: fixed("/api/away-reasons"), ...everyone(200) },
  "POST /api/away-reasons": { request: async () => ({ path: "/api/away-reasons", body: { name: `Reason ${randomBytes(4).toString("hex")}` } }), ...adminOnly(201) },
  "PATCH /api/away-reasons/:id": {
    request: async () => ({ path: `/api/away-reasons/${(await t.pool.query(`SELECT id FROM away_reasons WHERE name = 'Meeting'`)).rows[0].id}`, body: { position: 4 } }),
    ...adminOnly(200),
  },
  // Anyone's history is the supervisors'; an agent sees only their own (test/agent-states.test.ts).
  "GET /api/agents/:id/states": { request: throwawayAgent("/states", undefined), ...readers(200) },
  // The board's alerts: supervisors and admins (DESIGN.md "live board, alerts, reports").
  "GET /api/board": { request: fixed("/api/board"), ...readers(200) },
  "GET /api/board-settings": { request: fixed("/api/board-settings"), ...readers(200) },
  "PUT /api/board-settings": { request: fixed("/api/board-settings", { awayAlertSeconds: 1800 }), ...adminOnly(200) },
  "GET /api/service-level-alerts": { request: fixed("/api/service-level-alerts?limit=5"), ...readers(200) },
  "GET /api/reports": { request: fixed("/api/reports?from=2026-03-01&to=2026-03-02&timeZone=UTC"), ...readers(200) },
  "GET /api/reports.csv": { request: fixed("/api/reports.csv?from=2026-03-01&to=2026-03-02&timeZone=UTC"), ...readers(200) },
  "GET /api/metric-settings": { request: fixed("/api/metric-settings"), ...readers(200) },
  "PUT /api/metric-settings": { request: fixed("/api/metric-settings", { shortAbandonSeconds: 5 }), ...adminOnly(200) },
  "GET /api/widgets": { request: fixed("/api/widgets"), ...readers(200) },
  "POST /api/widgets": { request: fixed("/api/widgets", { name: "Shop", allowedOrigins: ["https://shop.example.test"] }), ...adminOnly(201) },
  "PUT /api/widgets/:publicKey": {
    request: async () => {
      const key = `wk_${hex()}`;
      await t.pool.query(`INSERT INTO chat_widgets (public_key, name, identity_secret) VALUES ($1, 'Shop', 'secret')`, [key]);
      return { path: `/api/widgets/${key}`, body: { queueId } };
    },
    ...adminOnly(200),
  },
  "POST /api/agent-invites": { request: async () => ({ path: "/api/agent-invites", body: { name: "Ivy Invited", email: `ivy-${hex()}@example.test` } }), ...adminOnly(201) },
  "POST /api/widgets/:publicKey/rotate-secret": {
    request: async () => {
      const key = `wk_${hex()}`;
      await t.pool.query(`INSERT INTO chat_widgets (public_key, name, identity_secret) VALUES ($1, 'Shop', 'secret')`, [key]);
      return { path: `/api/widgets/${key}/rotate-secret` };
    },
    ...adminOnly(200),
  },
  // Mailboxes hold the business's mail passwords (never shown): supervisors read, admins change.
  "GET /api/mailboxes": { request: fixed("/api/mailboxes"), ...readers(200) },
  "GET /api/mailboxes/:id": { request: throwawayMailbox(), ...readers(200) },
  "POST /api/mailboxes": { request: async () => ({ path: "/api/mailboxes", body: newMailboxBody() }), ...adminOnly(201) },
  "PATCH /api/mailboxes/:id": { request: throwawayMailbox({ displayName: "Help desk" }), ...adminOnly(200) },
  "DELETE /api/mailboxes/:id": { request: throwawayMailbox(), ...adminOnly(204) },
  // Canned replies: every agent uses them, supervisors and admins keep them.
  "GET /api/canned-replies": { request: fixed("/api/canned-replies?channel=sms"), ...everyone(200) },
  "POST /api/canned-replies": { request: async () => ({ path: "/api/canned-replies", body: newCannedReplyBody() }), ...readers(201) },
  "PATCH /api/canned-replies/:id": { request: throwawayCannedReply({ title: "Thanks a lot" }), ...readers(200) },
  "DELETE /api/canned-replies/:id": { request: throwawayCannedReply(), ...readers(204) },
  "POST /api/customers/:id/calls": { request: customerPath("/calls"), ...everyone(201) },
  "POST /api/emails": { request: newEmail, ...everyone(201) },
  "PUT /api/customers/:id/consents/:channel": { request: async () => ({ ...(await customerPath("/consents/email")()), body: { status: "opted_out" } }), ...everyone(200) },
  // Editing a customer is every agent's (audited: test/queue-admin.test.ts).
  "PUT /api/customers/:id/tier": { request: async () => ({ ...(await customerPath("/tier")()), body: { tier: "gold" } }), ...everyone(200) },
  // Finding any customer is every agent's (no department an island): test/customer-search.test.ts.
  "GET /api/customers/search": { request: fixed("/api/customers/search?q=Pat"), ...everyone(200) },
  // Merging and undoing a merge, and adding a phone or email, are every agent's (audited: test/customer-merge.test.ts).
  "GET /api/customers/:id/merge-preview": { request: async () => ({ path: `/api/customers/${(await createConversation(t.pool)).customerId}/merge-preview?into=${(await createConversation(t.pool)).customerId}` }), ...everyone(200) },
  "POST /api/customers/:id/merge": { request: async () => ({ ...(await customerPath("/merge")()), body: { into: (await createConversation(t.pool)).customerId } }), ...everyone(201) },
  "POST /api/customer-merges/:id/undo": {
    request: async () => {
      const [a, b] = [(await createConversation(t.pool)).customerId, (await createConversation(t.pool)).customerId];
      const merged = await t.api<{ merge: { id: string } }>(people.admin.cookie, "POST", `/api/customers/${a}/merge`, { into: b });
      return { path: `/api/customer-merges/${merged.body.merge.id}/undo` };
    },
    ...everyone(200),
  },
  "GET /api/customers/:id/merges": { request: customerPath("/merges"), ...everyone(200) },
  "POST /api/customers/:id/identities": { request: async () => ({ ...(await customerPath("/identities")()), body: { kind: "email", value: `added-${hex()}@example.test` } }), ...everyone(201) },
  "GET /api/customers/:id/timeline": { request: customerPath("/timeline"), ...everyone(200) },
  // The customer record: everyone reads it and edits it, audited (the role table: "edit a customer").
  "GET /api/customers/:id": { request: customerPath(""), ...everyone(200) },
  "PATCH /api/customers/:id": { request: async () => ({ ...(await customerPath("")()), body: { tags: ["vip"] } }), ...everyone(200) },
  "GET /api/customers/:id/notes": { request: customerPath("/notes"), ...everyone(200) },
  "POST /api/customers/:id/notes": { request: async () => ({ ...(await customerPath("/notes")()), body: { body: "Prefers email" } }), ...everyone(201) },
  "GET /api/customers/:id/timeline/changes": { request: customerPath("/timeline/changes?since=0"), ...everyone(200) },
  // Privacy: everyone reads the consent ledger; only admins export or erase a customer (each call erases a fresh one).
  "GET /api/customers/:id/consents": { request: customerPath("/consents"), ...everyone(200) },
  "GET /api/customers/:id/export": { request: customerPath("/export"), ...adminOnly(200) },
  "POST /api/customers/:id/erase": {
    request: async () => ({ ...(await customerPath("/erase")()), body: { confirm: true, reason: "Right to erasure request" } }),
    ...adminOnly(200),
  },
  // Reminders: everyone sets and keeps their own (other agents' are the supervisors': test/reminders.test.ts).
  "POST /api/reminders": {
    request: async () => {
      const c = await createConversation(t.pool);
      return { path: "/api/reminders", body: { customerId: c.customerId, conversationId: c.id, dueAt: new Date(Date.now() + 3_600_000).toISOString(), note: "Call back" } };
    },
    ...everyone(201),
  },
  "GET /api/me/reminders": { request: fixed("/api/me/reminders"), ...everyone(200) },
  "POST /api/reminders/:id/done": { request: ownReminder("/done"), ...everyone(200) },
  "DELETE /api/reminders/:id": { request: ownReminder(""), ...everyone(204) },
  "GET /api/customers/:id/reminders": { request: customerPath("/reminders"), ...everyone(200) },
  // Snoozing is changing the conversation: its agent's, or a supervisor's (test/snooze.test.ts).
  "POST /api/conversations/:id/snooze": { request: ownersConversation("sms", "/snooze", { until: new Date(Date.now() + 3_600_000).toISOString() }), ...assignedOnly(200) },
  "POST /api/conversations/:id/unsnooze": {
    request: async () => {
      const c = await createConversation(t.pool, { channel: "sms", assignedAgentId: owner.id });
      await t.pool.query(`UPDATE conversations SET status = 'snoozed', snoozed_until = now() + interval '1 hour' WHERE id = $1`, [c.id]);
      return { path: `/api/conversations/${c.id}/unsnooze` };
    },
    ...assignedOnly(200),
  },
  // Reading an email's HTML is every agent's, whoever has the conversation (no department an island).
  "GET /api/messages/:id/email-html": {
    request: async () => {
      const c = await createEmailConversation(t.pool, { assignedAgentId: owner.id });
      const m = await createEmailMessage(t.pool, t.config, { conversationId: c.id, customerId: c.customerId, body: "Hello", html: "<p>Hello</p>" });
      return { path: `/api/messages/${m.id}/email-html` };
    },
    ...everyone(200),
  },
  // The live board's actions: supervisors and admins, never agents (test/supervisor-actions.test.ts).
  "POST /api/supervisor/conversations/:id/take": { request: supervised("/take", async () => ({})), ...readers(200) },
  "POST /api/supervisor/conversations/:id/reassign": { request: supervised("/reassign", async () => ({ agentId: (await createAgent(t.pool)).id })), ...readers(200) },
  "POST /api/supervisor/conversations/:id/move": { request: supervised("/move", async () => ({ queueId: otherQueueId })), ...readers(200) },
  "POST /api/supervisor/agents/:id/state": { request: async () => ({ path: `/api/supervisor/agents/${(await createAgent(t.pool)).id}/state`, body: { presence: "away" } }), ...readers(200) },
  "POST /api/supervisor/agents/:id/sign-out": { request: async () => ({ path: `/api/supervisor/agents/${(await createAgent(t.pool)).id}/sign-out` }), ...readers(200) },
};

/** Not the workspace's: signed by Twilio, public by nature, or the sign-in itself (test/auth.test.ts). */
const NOT_AGENT_ROUTES = new Set([
  "POST /api/auth/login",
  "POST /api/auth/logout",
  // An invited person has no session yet: the link's token is their authority (test/agent-invites.test.ts).
  "POST /api/auth/accept-invite",
  "GET /healthz",
  "GET /readyz",
  "GET /widget.js",
  "GET /files/:id/:sig",
  // The chat widget's file upload: authorised by the widget key and the signed visitor id (test/chat.test.ts).
  "POST /chat/uploads",
  "OPTIONS /chat/uploads",
  "GET /",
  "GET /{*splat}",
]);
const isTwilioWebhook = (route: string) => / \/webhooks\/twilio\//.test(route);

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: unknown;
  slash?: boolean;
}
/** "METHOD /path" of every route, through mounted routers (express 5 / router 2 layers keep their rawPath). */
function servedRoutes(stack: Layer[], prefix = ""): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).filter((m) => m !== "_all").map((m) => `${m.toUpperCase()} ${prefix}${layer.route!.path}`);
    if (layer.handle?.stack) return servedRoutes(layer.handle.stack, prefix + (layer.slash || typeof layer.rawPath !== "string" ? "" : layer.rawPath));
    return [];
  });
}

describe("every REST route", () => {
  it("is in the table: a new route without an entry fails here", () => {
    const app = t.sb.httpApp as unknown as { router: { stack: Layer[] } };
    const served = servedRoutes(app.router.stack);
    expect(served.length).toBeGreaterThan(Object.keys(ROUTES).length);
    const unlisted = served.filter((r) => !(r in ROUTES) && !NOT_AGENT_ROUTES.has(r) && !isTwilioWebhook(r));
    expect(unlisted).toEqual([]);
    // And the table names no route that is gone.
    expect(Object.keys(ROUTES).filter((r) => !served.includes(r))).toEqual([]);
  });

  for (const [route, spec] of Object.entries(ROUTES)) {
    it(`${route} answers nobody, agent, supervisor and admin as the table says`, async () => {
      const [method] = route.split(" ") as [string];
      const callers: Caller[] = ["nobody", ...ROLES];
      for (const caller of callers) {
        const { path, body } = await spec.request(caller, caller === "nobody" ? owner.id : people[caller].id);
        const res = await t.api<{ error?: { code: string } }>(caller === "nobody" ? "sb_session=none" : people[caller].cookie, method, path, body);
        const expected: Outcome = caller === "nobody" ? [401, "UNAUTHENTICATED"] : spec[caller];
        const [status, code] = typeof expected === "number" ? [expected, res.body?.error?.code] : expected;
        expect({ caller, status: res.status, code: res.body?.error?.code }, JSON.stringify(res.body)).toEqual({ caller, status, code });
      }
    });
  }
});

describe("every /agent socket event", () => {
  /** What each event does for every signed-in role (reading and one's own presence are open to all). */
  const EVENTS = {
    "presence:set": { ack: true, payload: () => ({ presence: "away" }) },
    "customer:watch": { ack: true, payload: (customerId: string) => ({ customerId }) },
    "customer:unwatch": { ack: true, payload: (customerId: string) => ({ customerId }) },
    "conversation:seen": { ack: false, payload: (_c: string, conversationId: string) => ({ conversationId }) },
    "conversation:typing": { ack: false, payload: (_c: string, conversationId: string) => ({ conversationId, typing: true }) },
    // The live board: supervisors and admins; an agent's ack is the error FORBIDDEN.
    "board:watch": { ack: true, payload: () => ({}), refused: ["agent"] },
    "board:unwatch": { ack: true, payload: () => ({}) },
  } as const;

  it("refuses nobody at the handshake", async () => {
    const socket = connectSocket(t.url + AGENT_NAMESPACE, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie: "sb_session=none", origin: new URL(t.config.publicUrl).origin } });
    const err = await new Promise<Error>((resolve) => socket.once("connect_error", resolve));
    expect(err.message).toBe("UNAUTHENTICATED");
    socket.disconnect();
  });

  it("is in the table, and answers every role as it says", async () => {
    const conversation = await createConversation(t.pool, { channel: "sms", assignedAgentId: owner.id });
    for (const role of ROLES) {
      const socket = await t.connectAgent(people[role].cookie);
      // The events the server listens to on this socket are exactly the table's.
      const serverSocket = await eventually(async () => [...t.sb.io!.of(AGENT_NAMESPACE).sockets.values()].find((s) => s.id === socket.id));
      const listened = serverSocket.eventNames().map(String).filter((e) => !["disconnect", "disconnecting", "error"].includes(e));
      expect(listened.sort()).toEqual(Object.keys(EVENTS).sort());
      for (const [event, spec] of Object.entries(EVENTS)) {
        const payload = spec.payload(conversation.customerId, conversation.id);
        if (spec.ack) {
          const ack = await (socket as unknown as { emitWithAck(e: string, p: unknown): Promise<{ ok: boolean; error?: { code: string } }> }).emitWithAck(event, payload);
          const refused = "refused" in spec && (spec.refused as readonly string[]).includes(role);
          expect({ role, event, ok: ack.ok, code: ack.error?.code }).toEqual({ role, event, ok: !refused, code: refused ? "FORBIDDEN" : undefined });
        } else {
          (socket as unknown as { emit(e: string, p: unknown): void }).emit(event, payload);
        }
      }
      // Still connected and answering after the fire-and-forget events.
      const after = await (socket as unknown as { emitWithAck(e: string, p: unknown): Promise<{ ok: boolean }> }).emitWithAck("customer:unwatch", {
        customerId: conversation.customerId,
      });
      expect(after.ok).toBe(true);
      socket.disconnect();
    }
  });
});
