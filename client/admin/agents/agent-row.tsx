// One agent in the Team table; for admins, edit in place (with unlock and forward phone) and deactivate
// (after a confirmation) or reactivate.
import { useState } from "react";
import type { AgentView } from "../../../shared/api.ts";
import { errorMessage } from "../../lib/api.ts";
import { adminApi } from "../../lib/admin-api.ts";
import { AgentAccess } from "./agent-access.tsx";
import { AgentForm, type AgentFormValues } from "./agent-form.tsx";

export type Props = { agent: AgentView; isMe: boolean; canManage: boolean; onChanged: (agent: AgentView) => void };

export function AgentRow({ agent, isMe, canManage, onChanged }: Props) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const columns = canManage ? 8 : 7;

  async function save(values: AgentFormValues) {
    const { agent: updated } = await adminApi.updateAgent(agent.id, { name: values.name, role: values.role, skills: values.skills, capacity: values.capacity });
    onChanged(updated);
    setEditing(false);
  }

  async function run(change: () => Promise<{ agent: AgentView }>) {
    setBusy(true);
    setProblem(null);
    try {
      onChanged((await change()).agent);
      setConfirming(false);
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  const c = agent.capacity;
  return (
    <>
      <tr className={agent.active ? undefined : "admin-table__inactive"} data-testid="agent-row" data-agent-email={agent.email}>
        <td>{agent.name}{isMe && " (you)"}</td>
        <td>{agent.email}</td>
        <td data-testid="agent-row-role">{agent.role}</td>
        <td>{agent.presence}{agent.awayReason ? ` (${agent.awayReason.name})` : ""}</td>
        <td data-testid="agent-row-skills">{agent.skills.join(", ") || "—"}</td>
        <td>{`${c.voice} / ${c.chat} / ${c.sms} / ${c.email}`}</td>
        <td data-testid="agent-row-status">
          <span className={agent.active ? "admin-badge" : "admin-badge admin-badge--off"}>{agent.active ? "active" : "deactivated"}</span>
        </td>
        {canManage && (
          <td>
            <div className="admin-table__actions">
              <button className="button button--quiet" type="button" onClick={() => setEditing(!editing)} data-testid="agent-edit">
                Edit
              </button>
              {agent.active ? (
                !isMe && (
                  <button className="button button--quiet" type="button" onClick={() => setConfirming(true)} disabled={busy} data-testid="agent-deactivate">
                    Deactivate
                  </button>
                )
              ) : (
                <button className="button button--quiet" type="button" onClick={() => run(() => adminApi.reactivateAgent(agent.id))} disabled={busy} data-testid="agent-reactivate">
                  Reactivate
                </button>
              )}
            </div>
          </td>
        )}
      </tr>
      {(confirming || problem) && (
        <tr>
          <td colSpan={columns}>
            {problem && <p className="admin__error" role="alert">{problem}</p>}
            {confirming && (
              <div className="agent-confirm" data-testid="deactivate-confirm">
                <span>
                  Deactivate {agent.name}? Their sessions end at once (every open workspace is signed out) and they cannot sign in until reactivated.
                </span>
                <div className="admin-table__actions">
                  <button className="button button--danger" type="button" onClick={() => run(() => adminApi.deactivateAgent(agent.id))} disabled={busy} data-testid="deactivate-confirm-button">
                    Deactivate and sign out
                  </button>
                  <button className="button button--quiet" type="button" onClick={() => setConfirming(false)}>
                    Cancel
                  </button>
                </div>
              </div>
            )}
          </td>
        </tr>
      )}
      {editing && (
        <tr>
          <td colSpan={columns}>
            <AgentForm agent={agent} onSubmit={save} onCancel={() => setEditing(false)} />
            <AgentAccess agent={agent} onChanged={onChanged} />
          </td>
        </tr>
      )}
    </>
  );
}
