// Invite links (issue 12, item 6): an admin adds an agent without a password and gets a one-time link;
// the person sets their own password with it and signs in. A link works once, expires, and is refused
// alike whether wrong, used or expired; the account cannot be signed into before it is used.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentView } from "../shared/api.ts";
import type { InviteView } from "../shared/invites.ts";
import { createAgent } from "./support/factories.ts";
import { startTestApp, type TestApp } from "./support/test-app.ts";

let t: TestApp;
let admin: string;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login((await createAgent(t.pool, { role: "admin" })).email);
});
afterAll(async () => t?.close());

type Err = { error: { code: string } };
const tokenOf = (invite: InviteView) => new URLSearchParams(new URL(invite.url).hash.slice(1)).get("invite")!;
const signIn = (email: string, password: string) => t.api<{ agent: AgentView } & Err>("", "POST", "/api/auth/login", { email, password });

describe("invite links", () => {
  it("lets the invited person set their password once and sign in with it, audited", async () => {
    const res = await t.api<{ agent: AgentView; invite: InviteView }>(admin, "POST", "/api/agent-invites", { name: "Ivy Invited", email: "ivy@example.test", role: "agent", skills: ["billing"] });
    expect(res.status).toBe(201);
    expect(res.body.invite.url).toMatch(/\/#invite=[A-Za-z0-9_-]{40,}$/);
    expect(Date.parse(res.body.invite.expiresAt) - Date.now()).toBeGreaterThan(6 * 24 * 3600 * 1000);
    const token = tokenOf(res.body.invite);
    // Only the token's hash is stored.
    expect(JSON.stringify((await t.pool.query(`SELECT * FROM agent_invites`)).rows)).not.toContain(token);

    const short = await t.api<Err>("", "POST", "/api/auth/accept-invite", { token, password: "short" });
    expect([short.status, short.body.error.code]).toEqual([400, "VALIDATION"]);
    const accepted = await t.api<{ email: string }>("", "POST", "/api/auth/accept-invite", { token, password: "a long new password" });
    expect([accepted.status, accepted.body.email]).toEqual([200, "ivy@example.test"]);
    expect((await signIn("ivy@example.test", "a long new password")).status).toBe(200);

    const again = await t.api<Err>("", "POST", "/api/auth/accept-invite", { token, password: "another long password" });
    expect([again.status, again.body.error.code]).toEqual([400, "VERIFICATION_FAILED"]);
    expect((await signIn("ivy@example.test", "another long password")).status).toBe(401);
    const audit = await t.pool.query(`SELECT action FROM audit_events WHERE entity_id = $1 ORDER BY created_at`, [res.body.agent.id]);
    expect(audit.rows.map((r) => r.action)).toEqual(["agent_created", "agent_invited", "invite_accepted"]);
  });

  it("refuses a wrong or expired link alike, and a taken email as a conflict", async () => {
    const wrong = await t.api<Err>("", "POST", "/api/auth/accept-invite", { token: "x".repeat(43), password: "a long new password" });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, "VERIFICATION_FAILED"]);
    const res = await t.api<{ agent: AgentView; invite: InviteView }>(admin, "POST", "/api/agent-invites", { name: "Late Larry", email: "larry@example.test" });
    await t.pool.query(`UPDATE agent_invites SET expires_at = now() - interval '1 second' WHERE agent_id = $1`, [res.body.agent.id]);
    const late = await t.api<Err>("", "POST", "/api/auth/accept-invite", { token: tokenOf(res.body.invite), password: "a long new password" });
    expect([late.status, late.body.error.code]).toEqual([400, "VERIFICATION_FAILED"]);
    const taken = await t.api<Err>(admin, "POST", "/api/agent-invites", { name: "Larry Again", email: "larry@example.test" });
    expect([taken.status, taken.body.error.code]).toEqual([409, "CONFLICT"]);
    const withPassword = await t.api<Err>(admin, "POST", "/api/agent-invites", { name: "Pat", email: "pat-invite@example.test", password: "not allowed here" });
    expect([withPassword.status, withPassword.body.error.code]).toEqual([400, "VALIDATION"]);
  });
});
