// Every agent with their role, presence, skills, capacity and whether they may sign in.
// Supervisors read the table; admins add, edit, deactivate and reactivate (the server checks again).
import { useCallback, useEffect, useState } from "react";
import type { AgentView } from "../../../shared/api.ts";
import { errorMessage } from "../../lib/api.ts";
import { adminApi } from "../../lib/admin-api.ts";
import { inviteApi } from "../../lib/invite-api.ts";
import { useSocketEvent } from "../../lib/use-socket-event.ts";
import { AgentForm, type AgentFormValues } from "./agent-form.tsx";
import { AgentRow } from "./agent-row.tsx";

export type Props = { me: AgentView; canManage: boolean };

export function AgentsScreen({ me, canManage }: Props) {
  const [agents, setAgents] = useState<AgentView[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [invite, setInvite] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setAgents((await adminApi.agents()).agents);
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }, []);
  useEffect(() => void load(), [load]);

  /** Puts the server's answer for one agent in the table. */
  const replace = (agent: AgentView) => setAgents((list) => list && list.map((a) => (a.id === agent.id ? agent : a)));
  // Supervisors and admins are sent every agent's presence change live; after a reconnect, reload what was missed.
  useSocketEvent("agent:updated", replace);
  useSocketEvent("connect", () => void load());

  async function add(values: AgentFormValues) {
    setInvite(null);
    if (values.password === "") {
      // No password: the person gets a one-time link to choose their own.
      const { password: _none, ...rest } = values;
      const { agent, invite } = await inviteApi.invite(rest);
      setAdding(false);
      setNotice(`${agent.name} was added. Send them this link to choose a password (it works once, until ${new Date(invite.expiresAt).toLocaleDateString()}):`);
      setInvite(invite.url);
      await load();
      return;
    }
    const { agent } = await adminApi.createAgent(values);
    setAdding(false);
    setNotice(`${agent.name} was added. They can sign in with ${agent.email} and the initial password.`);
    await load();
  }

  return (
    <section className="admin__section" data-testid="agents-screen">
      <h2>Agents</h2>
      {!canManage && <p className="admin__notice">Supervisors see the team; only admins change it.</p>}
      {problem && <p className="admin__error" role="alert">{problem}</p>}
      {notice && <p className="admin__notice" data-testid="agents-notice">{notice}</p>}
      {invite && (
        <p className="admin__notice">
          <code className="admin-invite" data-testid="invite-link">{invite}</code>{" "}
          <button className="link-button" type="button" onClick={() => void navigator.clipboard?.writeText(invite).catch(() => undefined)}>
            Copy
          </button>
        </p>
      )}
      {canManage &&
        (adding ? (
          <div className="admin__section">
            <h2>Add agent</h2>
            <AgentForm onSubmit={add} onCancel={() => setAdding(false)} />
          </div>
        ) : (
          <p>
            <button className="button button--primary" type="button" onClick={() => { setAdding(true); setNotice(null); }} data-testid="add-agent">
              Add agent
            </button>
          </p>
        ))}
      {agents === null ? (
        <p className="admin__notice">Loading…</p>
      ) : (
        <table className="admin-table" data-testid="agents-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th>Presence</th>
              <th>Skills</th>
              <th>Capacity (voice / chat / SMS / email)</th>
              <th>Status</th>
              {canManage && <th>Actions</th>}
            </tr>
          </thead>
          <tbody>
            {agents.map((agent) => (
              <AgentRow key={agent.id} agent={agent} isMe={agent.id === me.id} canManage={canManage} onChanged={replace} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
