// Where a warm transfer's consultation stands (GET /api/conversations/:id/consult), from the call's legs
// as Twilio's callbacks move them: ringing, talking, hung up while the caller is still on hold; a late
// repeat of the caller's hold callback does not end it, taking the caller off hold does.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CallConsultEvent } from "../shared/call-consult.ts";
import { conferenceCallback, conferenceHelpers, legJoins } from "./support/conference-calls.ts";
import { createAgent, createQueue } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { TWILIO_API_KEY_SID: "SK" + "1".repeat(32), TWILIO_API_KEY_SECRET: "secret", TWILIO_TWIML_APP_SID: "AP" + "2".repeat(32) } });
  await createQueue(t.pool, { name: "Support" });
});
afterAll(async () => t?.close());
beforeEach(async () => {
  await t.pool.query(`UPDATE conversations SET status = 'resolved' WHERE status IN ('queued', 'offered')`);
  await t.pool.query(`UPDATE agents SET presence = 'offline'`);
});

let seq = 700;
const { participantsPath, requestsTo, callInConference } = conferenceHelpers(() => t, () => `+1646555${String(seq++).padStart(4, "0")}`);

describe("a consultation's state", () => {
  it("rings, talks, and after the colleague hangs up stays shown until the caller is taken off hold", async () => {
    const call = await callInConference();
    const colleague = await createAgent(t.pool, { name: "Cole League", presence: "available", softphoneReady: true });
    const state = async () => (await t.api<CallConsultEvent>(call.cookie, "GET", `/api/conversations/${call.conversationId}/consult`)).body.consult?.state ?? null;
    const control = (body: unknown) => t.api(call.cookie, "POST", `/api/conversations/${call.conversationId}/call`, body);
    expect(await state()).toBeNull();

    expect((await control({ action: "consult", toAgentId: colleague.id })).status).toBe(200);
    const consultCallSid = String(requestsTo(participantsPath(call.conference.sid)).at(-1)!.response!.body.call_sid);
    expect((await t.api<CallConsultEvent>(call.cookie, "GET", `/api/conversations/${call.conversationId}/consult`)).body.consult).toMatchObject({
      agentId: colleague.id,
      name: "Cole League",
      state: "ringing",
    });
    await legJoins(t, consultCallSid);
    expect(await state()).toBe("talking");

    await conferenceCallback(t, call.conference, "participant-leave", { CallSid: consultCallSid });
    expect(await state()).toBe("hung_up");
    // Twilio's callback of the hold, coming late, is not a new hold: the consultation is still shown.
    await conferenceCallback(t, call.conference, "participant-hold", { CallSid: call.customerCallSid, Hold: "true" });
    expect(await state()).toBe("hung_up");
    // Cancel has nobody to take out now; Resume brings the caller back and the consultation is over.
    expect((await control({ action: "cancel_consult" })).status).toBe(409);
    expect((await control({ action: "resume" })).status).toBe(200);
    expect(await state()).toBeNull();
    // Held again later for another reason: the old consultation does not come back.
    expect((await control({ action: "hold" })).status).toBe(200);
    expect(await state()).toBeNull();
  });
});
