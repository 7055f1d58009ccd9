import { useEffect, useState } from "react";
import type { AgentView } from "../../../shared/api.ts";
import { errorMessage } from "../../lib/api.ts";
import { adminApi } from "../../lib/admin-api.ts";
import { queueAdminApi } from "../../lib/queue-admin-api.ts";

export type Props = { queueId: string; canManage: boolean };

/** Who serves the queue, and at which level (higher levels are offered its work first). */
export function QueueMembersForm({ queueId, canManage }: Props) {
  const [agents, setAgents] = useState<AgentView[]>([]);
  const [levels, setLevels] = useState<Record<string, number>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    void (async () => {
      try {
        const [team, members] = await Promise.all([adminApi.agents(), queueAdminApi.members(queueId)]);
        setAgents(team.agents.filter((a) => a.active));
        setLevels(Object.fromEntries(members.members.map((m) => [m.agentId, m.level])));
      } catch (error) {
        setProblem(errorMessage(error));
      }
    })();
  }, [queueId]);

  async function save() {
    setProblem(null);
    setSaved(false);
    try {
      const { members } = await queueAdminApi.putMembers(queueId, { members: Object.entries(levels).map(([agentId, level]) => ({ agentId, level })) });
      setLevels(Object.fromEntries(members.map((m) => [m.agentId, m.level])));
      setSaved(true);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }

  return (
    <div data-testid="queue-members">
      <table className="admin-table">
        <thead><tr><th>Member</th><th>Agent</th><th>Level (1–10)</th></tr></thead>
        <tbody>
          {agents.map((a) => {
            const level = levels[a.id];
            return (
              <tr key={a.id}>
                <td>
                  <input type="checkbox" aria-label={`${a.name} serves this queue`} checked={level !== undefined} disabled={!canManage}
                    onChange={(e) => setLevels((current) => {
                      const next = { ...current };
                      if (e.target.checked) next[a.id] = 5;
                      else delete next[a.id];
                      return next;
                    })} />
                </td>
                <td>{a.name}</td>
                <td>
                  {level !== undefined && (
                    <input className="input queue-form__level" aria-label={`Level of ${a.name}`} type="number" min={1} max={10} value={level} disabled={!canManage}
                      onChange={(e) => setLevels((current) => ({ ...current, [a.id]: Number(e.target.value) }))} />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {problem && <p className="admin__error" role="alert">{problem}</p>}
      {saved && <p className="admin__notice" role="status">Members saved.</p>}
      {canManage && <div className="admin-table__actions"><button className="button button--primary" type="button" onClick={() => void save()}>Save members</button></div>}
    </div>
  );
}
