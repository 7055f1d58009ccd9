// Drives contacts through the real app for the reports test: signed SMS and voice webhooks, a chat
// visitor's socket, agents accepting offers on their sockets and replying, resolving, holding,
// transferring and wrapping up over REST. Then `retime` moves each stored event to the instant the
// script says: Postgres' now() stamps them, and no fake clock reaches into the database's triggers, so
// the timestamps (only they) are set by the test after the real paths decided every outcome.
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import type { OfferView } from "../../shared/api.ts";
import { connectVisitor, type VisitorSocket } from "./chat-visitor.ts";
import { conferenceCallback, legJoins } from "./conference-calls.ts";
import { newSid } from "../../demo/twilio-simulator/fake-twilio.ts";
import { eventually, nextEvent, type TestApp } from "./test-app.ts";
import { postSignedForm } from "./twilio-webhooks.ts";

export interface ScriptAgent { id: string; email: string; name: string; cookie: string; socket: Awaited<ReturnType<TestApp["connectAgent"]>> }

let phoneSeq = 4000;
const nextPhone = () => `+1617555${String(phoneSeq++).padStart(4, "0")}`;

export function reportTraffic(t: TestApp, opts: { agents: ScriptAgent[]; widgetKey: string; site: string }) {
  const visitors: VisitorSocket[] = [];
  const voiceWebhook = (path: string, params: Record<string, string>) =>
    postSignedForm({
      url: t.url + path,
      signatureUrl: t.config.publicUrl + path,
      authToken: t.fake.authToken,
      params: { AccountSid: t.fake.accountSid, ApiVersion: "2010-04-01", Direction: "inbound", ...params },
    });
  const conversationOf = async (where: string, value: string) =>
    (await eventually(async () => (await t.pool.query<{ conversation_id: string }>(`SELECT conversation_id FROM messages WHERE ${where} = $1`, [value])).rows[0])).conversation_id;

  /** Only `agent` is available (the others away), so the router offers them the next work; they accept it. */
  async function acceptAs(agent: ScriptAgent, conversationId: string, start: () => Promise<unknown> = async () => {}): Promise<void> {
    for (const a of opts.agents) if (a !== agent) await t.api(a.cookie, "PUT", "/api/me/presence", { presence: "away" });
    const offered = nextEvent<OfferView>(agent.socket, "offer:new", (o) => o.conversation.id === conversationId, 8000);
    await start();
    await t.api(agent.cookie, "PUT", "/api/me/presence", { presence: "available" });
    const offer = await offered;
    const res = await t.api(agent.cookie, "POST", `/api/offers/${offer.id}/accept`);
    expect(res.status).toBe(200);
  }
  const awayAll = async () => {
    for (const a of opts.agents) await t.api(a.cookie, "PUT", "/api/me/presence", { presence: "away" });
  };

  return {
    awayAll,
    acceptAs,
    /** A customer texts in (a signed Twilio webhook); nobody is offered it yet. */
    async textIn(from = nextPhone()): Promise<{ conversationId: string; from: string }> {
      await awayAll();
      const sent = await t.sendSms({ From: from, Body: `Hello from ${from} ${randomUUID()}` });
      expect(sent.status).toBe(200);
      return { conversationId: await conversationOf("external_id", sent.messageSid), from };
    },
    /** A chat visitor writes on the widget's socket. */
    async chatIn(): Promise<{ conversationId: string }> {
      await awayAll();
      const v = await connectVisitor(t.url, { widgetKey: opts.widgetKey, origin: opts.site });
      visitors.push(v.socket);
      const body = `Chat ${randomUUID()}`;
      const ack = await v.socket.emitWithAck("chat:send", { clientId: randomUUID(), body });
      expect(ack.ok).toBe(true);
      return { conversationId: await conversationOf("body", body) };
    },
    async reply(agent: ScriptAgent, conversationId: string): Promise<void> {
      const res = await t.api(agent.cookie, "POST", `/api/conversations/${conversationId}/messages`, { body: "Happy to help", idempotencyKey: randomUUID() });
      expect(res.status).toBe(201);
    },
    async resolve(agent: ScriptAgent, conversationId: string): Promise<void> {
      expect((await t.api(agent.cookie, "POST", `/api/conversations/${conversationId}/resolve`)).status).toBe(200);
    },
    async moveToQueue(by: ScriptAgent | { cookie: string }, conversationId: string, queueId: string): Promise<void> {
      expect((await t.api(by.cookie, "POST", `/api/conversations/${conversationId}/queue`, { queueId })).status).toBe(200);
    },
    /** A call rings in and waits in Twilio's queue. */
    async callIn(): Promise<{ conversationId: string; callSid: string }> {
      await awayAll();
      const callSid = newSid("CA");
      const res = await voiceWebhook("/webhooks/twilio/voice", { CallSid: callSid, From: nextPhone(), To: "+14155550100", CallStatus: "ringing" });
      expect(res.status).toBe(200);
      return { conversationId: await conversationOf("external_id", callSid), callSid };
    },
    async callStatus(callSid: string, status: "in-progress" | "completed", duration = "60"): Promise<void> {
      const res = await voiceWebhook("/webhooks/twilio/voice/status", { CallSid: callSid, CallStatus: status, ...(status === "completed" ? { CallDuration: duration } : {}) });
      expect(res.status).toBe(200);
    },
    async voicemail(callSid: string): Promise<void> {
      const res = await voiceWebhook("/webhooks/twilio/voice/voicemail", { CallSid: callSid, RecordingUrl: "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1", RecordingDuration: "12" });
      expect(res.status).toBe(200);
    },
    /** After an accepted call: Twilio plays out its conference (the caller joins by TwiML, the agent's placed leg answers). */
    async joinConference(conversationId: string, callSid: string): Promise<void> {
      const name = `conv-${conversationId}`;
      const placed = await t.fake.waitFor((r) => r.method === "POST" && r.path.endsWith(`/Conferences/${name}/Participants.json`));
      const joined = t.fake.conferences.joinByTwiml(name, callSid, { startConferenceOnEnter: false, endConferenceOnExit: true });
      const conference = { sid: joined.sid, name };
      await conferenceCallback(t, conference, "participant-join", {
        CallSid: callSid, Muted: "false", Hold: "false", Coaching: "false", StartConferenceOnEnter: "false", EndConferenceOnExit: "true",
      });
      await legJoins(t, String(placed.response!.body.call_sid));
      await conferenceCallback(t, conference, "conference-start");
    },
    async callControl(agent: ScriptAgent, conversationId: string, body: Record<string, string>): Promise<void> {
      const res = await t.api(agent.cookie, "POST", `/api/conversations/${conversationId}/call`, body);
      expect(res.status).toBe(200);
    },
    async wrapUp(agent: ScriptAgent, conversationId: string): Promise<void> {
      expect((await t.api(agent.cookie, "POST", `/api/conversations/${conversationId}/wrap-up`, { disposition: "resolved" })).status).toBe(200);
    },
    close: () => visitors.forEach((v) => v.disconnect()),
  };
}

export type Outcome = "answered" | "abandoned" | "moved" | "closed";

/** What the real paths stored for a conversation (before the test sets its times). */
export async function storedHistory(t: TestApp, conversationId: string) {
  const waits = await t.pool.query<{ outcome: Outcome | null; callback: boolean; reopened: boolean; queue_id: string; agent_id: string | null }>(
    `SELECT outcome, callback, reopened, queue_id, agent_id FROM queue_waits WHERE conversation_id = $1 ORDER BY entered_at, ended_at NULLS LAST`, [conversationId]);
  const periods = await t.pool.query<{ agent_id: string; end_reason: string | null; talk_ended: boolean; wrapped: boolean }>(
    `SELECT agent_id, end_reason, talk_ended_at IS NOT NULL AS talk_ended, wrap_up_ms IS NOT NULL AS wrapped
       FROM handling_periods WHERE conversation_id = $1 ORDER BY started_at`, [conversationId]);
  const response = await t.pool.query<{ replied: boolean; agent_id: string | null }>(
    `SELECT first_reply_at IS NOT NULL AS replied, agent_id FROM first_responses WHERE conversation_id = $1`, [conversationId]);
  return { waits: waits.rows, periods: periods.rows, response: response.rows[0] ?? null };
}

export interface WaitTimes { waitingSince: Date; entered: Date; ended: Date }
export interface PeriodTimes { started: Date; ended: Date; talkEnded?: Date; wrapUpMs?: number }

/** Sets a conversation's stored times to the script's, row by row in the order they happened. */
export async function retime(t: TestApp, conversationId: string, times: { waits: WaitTimes[]; periods: PeriodTimes[]; response?: { inbound: Date; reply: Date } }): Promise<void> {
  const waits = await t.pool.query<{ id: string }>(`SELECT id FROM queue_waits WHERE conversation_id = $1 ORDER BY entered_at, ended_at NULLS LAST`, [conversationId]);
  expect(waits.rows.length).toBe(times.waits.length);
  for (const [i, w] of times.waits.entries()) {
    await t.pool.query(`UPDATE queue_waits SET waiting_since = $2, entered_at = $3, ended_at = $4 WHERE id = $1`, [waits.rows[i]!.id, w.waitingSince, w.entered, w.ended]);
  }
  const periods = await t.pool.query<{ id: string }>(`SELECT id FROM handling_periods WHERE conversation_id = $1 ORDER BY started_at`, [conversationId]);
  expect(periods.rows.length).toBe(times.periods.length);
  for (const [i, p] of times.periods.entries()) {
    await t.pool.query(`UPDATE handling_periods SET started_at = $2, ended_at = $3, talk_ended_at = $4, wrap_up_ms = $5 WHERE id = $1`,
      [periods.rows[i]!.id, p.started, p.ended, p.talkEnded ?? null, p.wrapUpMs ?? null]);
  }
  if (times.response) {
    const r = await t.pool.query(`UPDATE first_responses SET first_inbound_at = $2, first_reply_at = $3 WHERE conversation_id = $1`, [conversationId, times.response.inbound, times.response.reply]);
    expect(r.rowCount).toBe(1);
  }
}
