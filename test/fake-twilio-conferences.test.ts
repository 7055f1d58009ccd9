// The fake Twilio API's Conferences and Participants, driven by the real twilio client: what it
// answers is what the client parses, and it refuses what Twilio refuses.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { classifyTwilioError, createTwilioRestClient } from "../channels/twilio/rest-client.ts";
import { newSid, startFakeTwilio, type FakeTwilio } from "../demo/twilio-simulator/fake-twilio.ts";

let fake: FakeTwilio;
let client: ReturnType<typeof createTwilioRestClient>;
beforeAll(async () => {
  fake = await startFakeTwilio();
  client = createTwilioRestClient({ accountSid: fake.accountSid, authToken: fake.authToken, apiBaseUrl: fake.url });
});
afterAll(async () => fake.close());
beforeEach(() => fake.reset());

const refusal = async (p: Promise<unknown>) => classifyTwilioError(await p.then(() => new Error("expected a refusal"), (err: unknown) => err));

describe("the fake's conferences", () => {
  it("starts one by name when a participant is added, lists it by FriendlyName and Status, and ends it with the last leg", async () => {
    const agent = await client.conferences("conv-1").participants.create({ from: "+14155550100", to: "client:agent-1", endConferenceOnExit: true });
    expect(agent).toMatchObject({ callSid: expect.stringMatching(/^CA[0-9a-f]{32}$/), conferenceSid: expect.stringMatching(/^CF[0-9a-f]{32}$/), muted: false, hold: false, coaching: false, status: "queued" });
    const caller = newSid("CA");
    fake.conferences.joinByTwiml("conv-1", caller, { startConferenceOnEnter: false, endConferenceOnExit: true });
    expect(await client.conferences.list({ friendlyName: "conv-1", status: "in-progress" })).toEqual([]);
    fake.conferences.answer(agent.callSid);
    const [running] = await client.conferences.list({ friendlyName: "conv-1", status: "in-progress" });
    expect(running).toMatchObject({ sid: agent.conferenceSid, friendlyName: "conv-1", status: "in-progress" });
    expect(await client.conferences.list({ friendlyName: "conv-2" })).toEqual([]);
    expect((await client.conferences(agent.conferenceSid).participants.list()).map((p) => p.callSid).sort()).toEqual([agent.callSid, caller].sort());
    // The agent ends it on exit: removing them ends the conference for everyone.
    expect(await client.conferences(agent.conferenceSid).participants(agent.callSid).remove()).toBe(true);
    expect((await client.conferences(agent.conferenceSid).fetch()).status).toBe("completed");
    expect((await refusal(client.conferences(agent.conferenceSid).participants.create({ from: "+14155550100", to: "client:x" }))).code).toBe("20404");
    expect(fake.participantRequests().map((r) => r.method)).toEqual(["POST", "DELETE", "POST"]);
  });

  it("updates mute, hold and coaching, and refuses to coach a leg that is on hold (16027) or absent (16028)", async () => {
    const agent = await client.conferences("conv-3").participants.create({ from: "+1", to: "client:agent-3" });
    fake.conferences.answer(agent.callSid);
    const sid = agent.conferenceSid;
    const supervisor = await client.conferences(sid).participants.create({ from: "+1", to: "client:agent-9", muted: true });
    expect(supervisor.muted).toBe(true);
    const whisper = await client.conferences(sid).participants(supervisor.callSid).update({ muted: false, coaching: true, callSidToCoach: agent.callSid });
    expect(whisper).toMatchObject({ muted: false, coaching: true, callSidToCoach: agent.callSid });
    const barge = await client.conferences(sid).participants(supervisor.callSid).update({ coaching: false });
    expect(barge).toMatchObject({ coaching: false, callSidToCoach: null });
    expect((await client.conferences(sid).participants(agent.callSid).update({ hold: true, holdUrl: "https://example.test/m.mp3" })).hold).toBe(true);
    expect(await refusal(client.conferences(sid).participants(supervisor.callSid).update({ coaching: true, callSidToCoach: agent.callSid }))).toMatchObject({ code: "16027", httpStatus: 400 });
    expect((await refusal(client.conferences(sid).participants.create({ from: "+1", to: "client:y", coaching: true, callSidToCoach: newSid("CA") }))).code).toBe("16028");
    expect((await refusal(client.conferences(sid).participants(newSid("CA")).update({ muted: true }))).code).toBe("20404");
  });

  it("holds at most MaxParticipants (16020)", async () => {
    await client.conferences("conv-4").participants.create({ from: "+1", to: "client:a", maxParticipants: 2 });
    await client.conferences("conv-4").participants.create({ from: "+1", to: "client:b" });
    expect((await refusal(client.conferences("conv-4").participants.create({ from: "+1", to: "client:c" }))).code).toBe("16020");
  });
});
