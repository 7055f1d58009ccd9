// The scripted day of the reports test (test/reports.test.ts): each contact driven through the real app,
// its stored outcomes checked, then its times set to the script's (report-traffic.ts says why), and the
// whole day kept as a Script for report-expectations.ts to count from.
import { expect } from "vitest";
import type { Keys, Script, ScriptState } from "./report-expectations.ts";
import { retime, storedHistory, type PeriodTimes, type reportTraffic, type ScriptAgent, type WaitTimes } from "./report-traffic.ts";
import type { TestApp } from "./test-app.ts";

/** A local New York time on the scripted day (daylight time, −04:00), or another day and offset. */
export const T = (hms: string, day = "2026-03-10", offset = "-04:00") => new Date(`${day}T${hms}${offset}`);
export const TARGETS = { sms: 60, chat: 60, voice: 20 };

export interface DayCast { t: TestApp; traffic: ReturnType<typeof reportTraffic>; ann: ScriptAgent; ben: ScriptAgent; sup: { cookie: string }; support: string; billing: string }

export async function runScriptedDay(cast: DayCast): Promise<Script> {
  const { t, traffic, ann, ben, sup, support, billing } = cast;
  const script: Script = { waits: [], periods: [], responses: [], states: [] };
  const keys = (queue: string | null, channel: string, agent: string | null): Keys => ({ queue, channel, tier: "standard", agent });
  /** Adds a conversation's scripted history and sets its stored times to it. */
  async function record(conversationId: string, parts: {
    waits: (WaitTimes & { queue: string; outcome: "answered" | "abandoned" | "moved" | "closed"; agent?: string; callback?: boolean; reopened?: boolean })[];
    periods: (PeriodTimes & { agent: string; queue: string; endReason: "resolved" | "transferred" })[];
    response?: { inbound: Date; reply: Date; agent: string; queue: string };
  }, channel: string) {
    await retime(t, conversationId, parts);
    for (const w of parts.waits) script.waits.push({ ...keys(w.queue, channel, w.agent ?? null), ...w, target: TARGETS[channel as keyof typeof TARGETS] });
    for (const p of parts.periods) script.periods.push({ ...keys(p.queue, channel, p.agent), ...p });
    if (parts.response) script.responses.push({ ...keys(parts.response.queue, channel, parts.response.agent), ...parts.response });
  }

  async function runScriptedTraffic() {
    // C1: an SMS answered by Ann in 20 s, first reply after 60 s, resolved.
    const c1 = await traffic.textIn();
    await traffic.acceptAs(ann, c1.conversationId);
    await traffic.reply(ann, c1.conversationId);
    await traffic.resolve(ann, c1.conversationId);
    const c1Times = {
      waits: [{ waitingSince: T("09:00:00"), entered: T("09:00:00"), ended: T("09:00:20"), queue: support, outcome: "answered" as const, agent: ann.id }],
      periods: [{ started: T("09:00:20"), ended: T("09:10:00"), agent: ann.id, queue: support, endReason: "resolved" as const }],
    };
    // C2: a chat Ann takes after 90 s (past the 60 s target), while still on C1: occupancy counts the overlap once.
    const c2 = await traffic.chatIn();
    await traffic.acceptAs(ann, c2.conversationId);
    await traffic.reply(ann, c2.conversationId);
    await traffic.resolve(ann, c2.conversationId);
    expect(await storedHistory(t, c2.conversationId)).toMatchObject({ waits: [{ outcome: "answered", agent_id: ann.id }], periods: [{ end_reason: "resolved" }], response: { replied: true, agent_id: ann.id } });
    await record(c2.conversationId, {
      waits: [{ waitingSince: T("09:05:00"), entered: T("09:05:00"), ended: T("09:06:30"), queue: support, outcome: "answered", agent: ann.id }],
      periods: [{ started: T("09:06:30"), ended: T("09:15:00"), agent: ann.id, queue: support, endReason: "resolved" }],
      response: { inbound: T("09:05:00"), reply: T("09:07:00"), agent: ann.id, queue: support },
    }, "chat");

    // C3: a call Ben answers in 15 s, holds and resumes, 300 s of talk, 45 s of wrap-up.
    const c3 = await traffic.callIn();
    await traffic.acceptAs(ben, c3.conversationId);
    await traffic.joinConference(c3.conversationId, c3.callSid);
    await traffic.callStatus(c3.callSid, "in-progress");
    await traffic.callControl(ben, c3.conversationId, { action: "hold" });
    await traffic.callControl(ben, c3.conversationId, { action: "resume" });
    await traffic.callStatus(c3.callSid, "completed", "300");
    await traffic.wrapUp(ben, c3.conversationId);
    expect(await storedHistory(t, c3.conversationId)).toMatchObject({ waits: [{ outcome: "answered" }], periods: [{ end_reason: "resolved", talk_ended: true, wrapped: true }], response: null });
    await record(c3.conversationId, {
      waits: [{ waitingSince: T("10:00:00"), entered: T("10:00:00"), ended: T("10:00:15"), queue: support, outcome: "answered", agent: ben.id }],
      periods: [{ started: T("10:00:15"), talkEnded: T("10:05:15"), wrapUpMs: 45_000, ended: T("10:06:00"), agent: ben.id, queue: support, endReason: "resolved" }],
    }, "voice");

    // C4–C6: callers who hang up while waiting: after 30 s (past the target), 3 s (a short abandon), 10 s (within the target).
    for (const [start, end] of [["11:00:00", "11:00:30"], ["11:30:00", "11:30:03"], ["11:40:00", "11:40:10"]] as const) {
      const c = await traffic.callIn();
      await traffic.callStatus(c.callSid, "completed", "0");
      expect(await storedHistory(t, c.conversationId)).toMatchObject({ waits: [{ outcome: "abandoned", callback: false }], periods: [] });
      await record(c.conversationId, { waits: [{ waitingSince: T(start), entered: T(start), ended: T(end), queue: support, outcome: "abandoned" }], periods: [] }, "voice");
    }

    // C7: an SMS a supervisor moves to Billing after 40 s; Ann answers it there 30 s later (70 s since it began waiting).
    const c7 = await traffic.textIn();
    await traffic.moveToQueue(sup, c7.conversationId, billing);
    await traffic.acceptAs(ann, c7.conversationId);
    await traffic.reply(ann, c7.conversationId);
    await traffic.resolve(ann, c7.conversationId);
    expect(await storedHistory(t, c7.conversationId)).toMatchObject({ waits: [{ outcome: "moved", queue_id: support }, { outcome: "answered", queue_id: billing }], periods: [{ end_reason: "resolved" }] });
    await record(c7.conversationId, {
      waits: [
        { waitingSince: T("12:00:00"), entered: T("12:00:00"), ended: T("12:00:40"), queue: support, outcome: "moved" },
        { waitingSince: T("12:00:00"), entered: T("12:00:40"), ended: T("12:01:10"), queue: billing, outcome: "answered", agent: ann.id },
      ],
      periods: [{ started: T("12:01:10"), ended: T("12:10:00"), agent: ann.id, queue: billing, endReason: "resolved" }],
      response: { inbound: T("12:00:00"), reply: T("12:02:00"), agent: ann.id, queue: billing },
    }, "sms");

    // C8: C1's customer writes again on the resolved conversation (as an email reply on its thread does:
    // threads.ts' UPDATE, written here because SMS starts a new conversation): a reopen, Ann answers in 30 s.
    await t.pool.query(`UPDATE conversations SET status = 'queued', waiting_since = now(), resolved_at = NULL, updated_at = now() WHERE id = $1`, [c1.conversationId]);
    await traffic.acceptAs(ann, c1.conversationId, () => t.sb.queues.routeConversation(c1.conversationId, 1));
    await traffic.reply(ann, c1.conversationId);
    await traffic.resolve(ann, c1.conversationId);
    expect(await storedHistory(t, c1.conversationId)).toMatchObject({
      waits: [{ outcome: "answered", reopened: false }, { outcome: "answered", reopened: true }], periods: [{ end_reason: "resolved" }, { end_reason: "resolved" }], response: { replied: true },
    });
    await record(c1.conversationId, {
      waits: [...c1Times.waits, { waitingSince: T("14:00:00"), entered: T("14:00:00"), ended: T("14:00:30"), queue: support, outcome: "answered", agent: ann.id, reopened: true }],
      periods: [...c1Times.periods, { started: T("14:00:30"), ended: T("14:05:00"), agent: ann.id, queue: support, endReason: "resolved" }],
      response: { inbound: T("09:00:00"), reply: T("09:01:00"), agent: ann.id, queue: support },
    }, "sms");

    // C9: a call Ann answers in 10 s and transfers to Ben after 180 s; Ben talks 300 s and wraps up 30 s.
    const c9 = await traffic.callIn();
    await traffic.acceptAs(ann, c9.conversationId);
    await traffic.joinConference(c9.conversationId, c9.callSid);
    await traffic.callStatus(c9.callSid, "in-progress");
    await t.api(ben.cookie, "PUT", "/api/me/presence", { presence: "available" });
    await traffic.callControl(ann, c9.conversationId, { action: "transfer", toAgentId: ben.id });
    await traffic.callStatus(c9.callSid, "completed", "480");
    await traffic.wrapUp(ben, c9.conversationId);
    expect(await storedHistory(t, c9.conversationId)).toMatchObject({
      waits: [{ outcome: "answered", agent_id: ann.id }],
      periods: [{ agent_id: ann.id, end_reason: "transferred", talk_ended: false }, { agent_id: ben.id, end_reason: "resolved", talk_ended: true, wrapped: true }],
    });
    await record(c9.conversationId, {
      waits: [{ waitingSince: T("13:00:00"), entered: T("13:00:00"), ended: T("13:00:10"), queue: support, outcome: "answered", agent: ann.id }],
      periods: [
        { started: T("13:00:10"), ended: T("13:03:10"), agent: ann.id, queue: support, endReason: "transferred" },
        { started: T("13:03:10"), talkEnded: T("13:08:10"), wrapUpMs: 30_000, ended: T("13:09:00"), agent: ben.id, queue: support, endReason: "resolved" },
      ],
    }, "voice");

    // C10: a caller hangs up and leaves a voicemail (Twilio's "completed" first): the wait is a callback, Ann takes it after 120 s.
    const c10 = await traffic.callIn();
    await traffic.callStatus(c10.callSid, "completed", "0");
    await traffic.acceptAs(ann, c10.conversationId, () => traffic.voicemail(c10.callSid));
    await traffic.resolve(ann, c10.conversationId);
    expect(await storedHistory(t, c10.conversationId)).toMatchObject({ waits: [{ outcome: "answered", callback: true }], periods: [{ end_reason: "resolved" }] });
    await record(c10.conversationId, {
      waits: [{ waitingSince: T("15:00:00"), entered: T("15:00:00"), ended: T("15:02:00"), queue: support, outcome: "answered", agent: ann.id, callback: true }],
      periods: [{ started: T("15:02:00"), ended: T("15:04:00"), agent: ann.id, queue: support, endReason: "resolved" }],
    }, "voice");

    // C11: across midnight: an SMS offered at 23:59:50 and answered by Ben at 00:00:10 the next day.
    await smsAnsweredBy(ben, { in: T("23:59:50"), answered: T("00:00:10", "2026-03-11"), reply: T("00:01:00", "2026-03-11"), resolved: T("00:05:00", "2026-03-11") });
    // The daylight-saving days: 2026-11-01 repeats 01:00–02:00 (EDT then EST); 2026-03-08 skips 02:00–03:00.
    await smsAnsweredBy(ann, { in: T("01:30:00", "2026-11-01"), answered: T("01:30:30", "2026-11-01"), reply: T("01:31:00", "2026-11-01"), resolved: T("01:40:00", "2026-11-01") });
    await smsAnsweredBy(ben, { in: T("01:59:50", "2026-11-01"), answered: T("01:00:20", "2026-11-01", "-05:00"), reply: T("01:01:00", "2026-11-01", "-05:00"), resolved: T("01:10:00", "2026-11-01", "-05:00") });
    await smsAnsweredBy(ben, { in: T("01:30:00", "2026-11-01", "-05:00"), answered: T("01:31:00", "2026-11-01", "-05:00"), reply: T("01:32:00", "2026-11-01", "-05:00"), resolved: T("01:45:00", "2026-11-01", "-05:00") });
    await smsAnsweredBy(ann, { in: T("01:59:00", "2026-03-08", "-05:00"), answered: T("03:00:30", "2026-03-08"), reply: T("03:01:00", "2026-03-08"), resolved: T("03:20:00", "2026-03-08") });
    await smsAnsweredBy(ann, { in: T("03:30:00", "2026-03-08"), answered: T("03:30:40", "2026-03-08"), reply: T("03:31:00", "2026-03-08"), resolved: T("03:50:00", "2026-03-08") });

    await traffic.awayAll();
    await scriptStates();
  }

  async function smsAnsweredBy(agent: ScriptAgent, at: { in: Date; answered: Date; reply: Date; resolved: Date }) {
    const c = await traffic.textIn();
    await traffic.acceptAs(agent, c.conversationId);
    await traffic.reply(agent, c.conversationId);
    await traffic.resolve(agent, c.conversationId);
    await record(c.conversationId, {
      waits: [{ waitingSince: at.in, entered: at.in, ended: at.answered, queue: support, outcome: "answered", agent: agent.id }],
      periods: [{ started: at.answered, ended: at.resolved, agent: agent.id, queue: support, endReason: "resolved" }],
      response: { inbound: at.in, reply: at.reply, agent: agent.id, queue: support },
    }, "sms");
  }

  /** The agents' states on the scripted day, in place of those the traffic above stamped with today's clock. */
  async function scriptStates() {
    const states: ScriptState[] = [
      { agent: ann.id, state: "available", start: T("08:30:00"), end: T("13:00:10") },
      { agent: ann.id, state: "busy", start: T("13:00:10"), end: T("13:03:10") },
      { agent: ann.id, state: "available", start: T("13:03:10"), end: T("17:00:00") },
      { agent: ben.id, state: "away", start: T("09:30:00"), end: T("09:45:00") },
      { agent: ben.id, state: "available", start: T("09:45:00"), end: T("10:00:15") },
      { agent: ben.id, state: "busy", start: T("10:00:15"), end: T("10:05:15") },
      { agent: ben.id, state: "wrap_up", start: T("10:05:15"), end: T("10:06:00") },
      { agent: ben.id, state: "available", start: T("10:06:00"), end: T("13:03:10") },
      { agent: ben.id, state: "busy", start: T("13:03:10"), end: T("13:08:10") },
      { agent: ben.id, state: "wrap_up", start: T("13:08:10"), end: T("13:08:40") },
      { agent: ben.id, state: "available", start: T("13:08:40"), end: T("14:00:00") },
      { agent: ben.id, state: "available", start: T("23:50:00"), end: T("00:10:00", "2026-03-11") },
    ];
    await t.pool.query(`DELETE FROM agent_state_periods WHERE ended_at IS NOT NULL`);
    for (const s of states) {
      await t.pool.query(`INSERT INTO agent_state_periods (agent_id, state, started_at, ended_at) VALUES ($1, $2, $3, $4)`, [s.agent, s.state, s.start, s.end]);
    }
    script.states.push(...states);
  }

  await runScriptedTraffic();
  return script;
}
