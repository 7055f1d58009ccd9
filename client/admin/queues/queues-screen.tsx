// Queues: their settings (hours, skills, longest wait, overflow), who serves them, and their service
// targets per tier and channel. Supervisors read; admins change (the server checks again).
import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { QueueView } from "../../../shared/queues.ts";
import { api, errorMessage } from "../../lib/api.ts";
import { queueAdminApi } from "../../lib/queue-admin-api.ts";
import { QueueMembersForm } from "./queue-members-form.tsx";
import { QueueSettingsForm } from "./queue-settings-form.tsx";
import { QueueTargetsForm } from "./queue-targets-form.tsx";
import "./queues.css";

export function QueuesScreen({ canManage }: { canManage: boolean }) {
  const [queues, setQueues] = useState<QueueView[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [newName, setNewName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const list = (await api.queues()).queues;
      setQueues(list);
      setSelected((current) => (current && list.some((q) => q.id === current) ? current : (list[0]?.id ?? null)));
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }, []);
  useEffect(() => void load(), [load]);

  async function add(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    try {
      const { queue } = await queueAdminApi.create({ name: newName.trim() });
      setNewName("");
      await load();
      setSelected(queue.id);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }

  async function remove(queue: QueueView) {
    setProblem(null);
    try {
      await queueAdminApi.remove(queue.id);
      await load();
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }

  const queue = queues?.find((q) => q.id === selected) ?? null;
  return (
    <section className="admin__section queues" data-testid="queues-screen">
      <h2>Queues</h2>
      {!canManage && <p className="admin__notice">Supervisors see the queues; only admins change them.</p>}
      {problem && <p className="admin__error" role="alert">{problem}</p>}
      <div className="queues__layout">
        <nav className="queues__list" aria-label="Queues">
          {queues?.map((q) => (
            <button key={q.id} type="button" className={q.id === selected ? "queues__item queues__item--on" : "queues__item"} onClick={() => setSelected(q.id)} data-testid="queue-item">
              {q.name}
              {q.isDefault && <span className="admin-badge">default</span>}
            </button>
          ))}
          {canManage && (
            <form className="queues__add" onSubmit={add}>
              <input className="input" aria-label="New queue name" placeholder="New queue" value={newName} maxLength={100} onChange={(e) => setNewName(e.target.value)} />
              <button className="button" type="submit" disabled={!newName.trim()}>Add</button>
            </form>
          )}
        </nav>
        {queue && (
          <div className="queues__detail" key={queue.id}>
            <h3>Settings</h3>
            <QueueSettingsForm queue={queue} queues={queues ?? []} canManage={canManage} onSaved={() => void load()} />
            <h3>Members</h3>
            <QueueMembersForm queueId={queue.id} canManage={canManage} />
            <h3>Service targets (seconds to answer)</h3>
            <QueueTargetsForm queueId={queue.id} canManage={canManage} />
            {canManage && !queue.isDefault && (
              <p>
                <button className="button button--danger" type="button" onClick={() => void remove(queue)} data-testid="delete-queue">Delete queue</button>
              </p>
            )}
          </div>
        )}
      </div>
    </section>
  );
}
