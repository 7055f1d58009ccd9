// Agent states with reasons (issue 9, item 4): away with a reason an admin keeps, and every change of
// state, by whatever path (the agent, a call, the auto-offline check), recorded with its start and end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentStatePeriodView, AgentView, AwayReasonView } from "../shared/api.ts";
import { createAgent } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let admin: string;
beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login((await createAgent(t.pool, { role: "admin" })).email);
});
afterAll(async () => t?.close());

const reasons = async (cookie: string) => (await t.api<{ awayReasons: AwayReasonView[] }>(cookie, "GET", "/api/away-reasons")).body.awayReasons;

describe("away reasons", () => {
  it("come seeded, are kept by admins (audited), and retired ones can no longer be chosen", async () => {
    const agent = await createAgent(t.pool);
    const cookie = await t.login(agent.email);
    expect((await reasons(cookie)).map((r) => r.name)).toEqual(["Break", "Lunch", "Training", "Meeting"]);

    expect((await t.api<{ error: { code: string } }>(cookie, "POST", "/api/away-reasons", { name: "Nap" })).body.error.code).toBe("FORBIDDEN");
    const coaching = await t.api<{ awayReason: AwayReasonView }>(admin, "POST", "/api/away-reasons", { name: "Coaching", position: 5 });
    expect(coaching.status).toBe(201);
    expect((await t.api<{ error: { code: string } }>(admin, "POST", "/api/away-reasons", { name: "Coaching" })).body.error.code).toBe("CONFLICT");
    expect((await t.api<{ error: { code: string } }>(admin, "POST", "/api/away-reasons", { name: "" })).body.error.code).toBe("VALIDATION");

    const id = coaching.body.awayReason.id;
    const away = await t.api<{ agent: AgentView }>(cookie, "PUT", "/api/me/presence", { presence: "away", awayReasonId: id });
    expect(away.body.agent).toMatchObject({ presence: "away", awayReason: { id, name: "Coaching" } });

    expect((await t.api(admin, "PATCH", `/api/away-reasons/${id}`, { active: false })).status).toBe(200);
    expect((await reasons(cookie)).map((r) => r.name)).not.toContain("Coaching");
    const refused = await t.api<{ error: { code: string } }>(cookie, "PUT", "/api/me/presence", { presence: "away", awayReasonId: id });
    expect(refused.body.error.code).toBe("VALIDATION");
    const audit = await t.pool.query(`SELECT action FROM audit_events WHERE entity_type = 'away_reason' AND entity_id = $1 ORDER BY created_at`, [id]);
    expect(audit.rows.map((r) => r.action)).toEqual(["away_reason_created", "away_reason_updated"]);
  });

  it("belongs to away only: going available clears it", async () => {
    const agent = await createAgent(t.pool);
    const cookie = await t.login(agent.email);
    const lunch = (await reasons(cookie)).find((r) => r.name === "Lunch")!;
    await t.api(cookie, "PUT", "/api/me/presence", { presence: "away", awayReasonId: lunch.id });
    const back = await t.api<{ agent: AgentView }>(cookie, "PUT", "/api/me/presence", { presence: "available" });
    expect(back.body.agent).toMatchObject({ presence: "available", awayReason: null });
    // Even a path that does not know about reasons (a call making the agent busy) cannot leave one behind.
    await t.api(cookie, "PUT", "/api/me/presence", { presence: "away", awayReasonId: lunch.id });
    await t.pool.query(`UPDATE agents SET presence = 'busy' WHERE id = $1`, [agent.id]);
    expect((await t.pool.query(`SELECT away_reason_id FROM agents WHERE id = $1`, [agent.id])).rows[0].away_reason_id).toBeNull();
  });
});

describe("state history", () => {
  it("records every change with its start and end, whatever made it, and shows it to the agent and supervisors only", async () => {
    const agent = await createAgent(t.pool);
    const cookie = await t.login(agent.email);
    const brk = (await reasons(cookie)).find((r) => r.name === "Break")!;
    await t.api(cookie, "PUT", "/api/me/presence", { presence: "available" });
    await t.api(cookie, "PUT", "/api/me/presence", { presence: "away", awayReasonId: brk.id });
    await t.api(cookie, "PUT", "/api/me/presence", { presence: "away", awayReasonId: brk.id }); // no change: no new period
    await t.pool.query(`UPDATE agents SET presence = 'wrap_up' WHERE id = $1`, [agent.id]); // as a call's end does
    await t.api(cookie, "PUT", "/api/me/presence", { presence: "offline" });

    const history = await t.api<{ periods: AgentStatePeriodView[] }>(cookie, "GET", `/api/agents/${agent.id}/states`);
    expect(history.status).toBe(200);
    const periods = history.body.periods;
    expect(periods.map((p) => [p.state, p.awayReason])).toEqual([
      ["offline", null],
      ["available", null],
      ["away", "Break"],
      ["wrap_up", null],
      ["offline", null],
    ]);
    // Each period ends where the next starts; only the last is open.
    for (let i = 0; i < periods.length - 1; i++) expect(periods[i]!.endedAt).toBe(periods[i + 1]!.startedAt);
    expect(periods.at(-1)!.endedAt).toBeNull();

    const other = await t.login((await createAgent(t.pool)).email);
    expect((await t.api<{ error: { code: string } }>(other, "GET", `/api/agents/${agent.id}/states`)).body.error.code).toBe("FORBIDDEN");
    const supervisor = await t.login((await createAgent(t.pool, { role: "supervisor" })).email);
    expect((await t.api(supervisor, "GET", `/api/agents/${agent.id}/states`)).status).toBe(200);
    expect((await t.api<{ error: { code: string } }>(cookie, "GET", `/api/agents/${agent.id}/states?from=2026-02-01&to=2026-01-01`)).body.error.code).toBe("VALIDATION");
  });
});
