// The audit log (GET /api/audit-events): admins only; what admins change shows up with who did it;
// filters; keyset paging newest first that gives each row exactly once; bad queries are a 400.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEventsPage } from "../shared/audit.ts";
import { createAgent } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let admin: { id: string; name: string; cookie: string };
beforeAll(async () => {
  t = await startTestApp();
  const a = await createAgent(t.pool, { role: "admin", name: "Ada Admin" });
  admin = { ...a, cookie: await t.login(a.email) };
});
afterAll(async () => t?.close());

const page = (query: string) => t.api<AuditEventsPage & { error?: { code: string } }>(admin.cookie, "GET", `/api/audit-events${query}`);

describe("the audit log", () => {
  it("lists an admin's change to an agent with the admin's name, before and after", async () => {
    const agent = await createAgent(t.pool, { name: "Sam Skills" });
    expect((await t.api(admin.cookie, "PATCH", `/api/agents/${agent.id}`, { skills: ["billing"] })).status).toBe(200);
    const res = await page(`?entityType=agent&entityId=${agent.id}`);
    expect(res.status).toBe(200);
    expect(res.body.events).toEqual([
      expect.objectContaining({
        action: "agent_updated",
        entityType: "agent",
        entityId: agent.id,
        actor: { id: admin.id, name: "Ada Admin" },
        data: { before: { skills: [] }, after: { skills: ["billing"] } },
      }),
    ]);
    expect(res.body.nextCursor).toBeNull();
  });

  it("filters by action, actor and entity", async () => {
    const other = await createAgent(t.pool, { role: "admin", name: "Otto Other" });
    const otherCookie = await t.login(other.email);
    const target = await createAgent(t.pool);
    await t.api(admin.cookie, "PATCH", `/api/agents/${target.id}`, { name: "Renamed by Ada" });
    await t.api(otherCookie, "POST", `/api/agents/${target.id}/deactivate`);
    const byOther = await page(`?actorId=${other.id}`);
    expect(byOther.body.events.map((e) => [e.action, e.entityId, e.actor?.name])).toEqual([["agent_deactivated", target.id, "Otto Other"]]);
    const deactivations = await page(`?action=agent_deactivated&entityId=${target.id}`);
    expect(deactivations.body.events).toHaveLength(1);
    const onTarget = await page(`?entityType=agent&entityId=${target.id}`);
    expect(onTarget.body.events.map((e) => e.action)).toEqual(["agent_deactivated", "agent_updated"]);
    expect((await page(`?entityType=queue&entityId=${target.id}`)).body.events).toEqual([]);
  });

  it("pages newest first by (time, id): every row exactly once, even rows written in the same millisecond", async () => {
    const entityId = "paging-entity";
    // Seven rows share one timestamp (only the id orders them), three are older, two newer.
    await t.pool.query(
      `INSERT INTO audit_events (actor_id, action, entity_type, entity_id, created_at)
       SELECT $1, 'paging_test', 'paging', $2, ts FROM unnest(ARRAY[
         '2026-01-01T10:00:00.000Z', '2026-01-01T10:00:00.001Z', '2026-01-01T10:00:00.002Z',
         '2026-01-01T10:00:05.000Z', '2026-01-01T10:00:05.000Z', '2026-01-01T10:00:05.000Z', '2026-01-01T10:00:05.000Z',
         '2026-01-01T10:00:05.000Z', '2026-01-01T10:00:05.000Z', '2026-01-01T10:00:05.000Z',
         '2026-01-01T10:00:09.000Z', '2026-01-01T11:00:00.000Z']::timestamptz[]) AS ts`,
      [admin.id, entityId],
    );
    const expected = (await t.pool.query(`SELECT id FROM audit_events WHERE entity_id = $1 ORDER BY created_at DESC, id DESC`, [entityId])).rows.map((r) => r.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await page(`?entityId=${entityId}&limit=3${cursor ? `&before=${encodeURIComponent(cursor)}` : ""}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.events.map((e) => e.id));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen).toEqual(expected);
    expect(pages).toBe(4);
  });

  it("answers a bad query with 400 VALIDATION", async () => {
    for (const query of ["?limit=0", "?limit=201", "?limit=many", "?before=yesterday", "?actorId=not-a-uuid", "?colour=red"]) {
      const res = await page(query);
      expect([query, res.status, res.body.error?.code]).toEqual([query, 400, "VALIDATION"]);
    }
  });

  it("is refused to agents and supervisors", async () => {
    for (const role of ["agent", "supervisor"] as const) {
      const who = await createAgent(t.pool, { role });
      const res = await t.api<{ error: { code: string } }>(await t.login(who.email), "GET", "/api/audit-events");
      expect([role, res.status, res.body.error.code]).toEqual([role, 403, "FORBIDDEN"]);
    }
  });

  it("deactivation disconnects the agent's live socket at once", async () => {
    const agent = await createAgent(t.pool);
    const socket = await t.connectAgent(await t.login(agent.email));
    const dropped = new Promise<string>((resolve) => socket.once("disconnect", resolve));
    expect((await t.api(admin.cookie, "POST", `/api/agents/${agent.id}/deactivate`)).status).toBe(200);
    expect(await dropped).toBe("io server disconnect");
  });
});
