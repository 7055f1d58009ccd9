// The audit log (admins): who changed what, newest first; filter by entity type and action, page back in time.
import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { AuditEventView } from "../../../shared/audit.ts";
import { errorMessage } from "../../lib/api.ts";
import { adminApi } from "../../lib/admin-api.ts";

const ENTITY_TYPES = ["", "agent", "queue", "phone_number", "mailbox", "chat_widget", "away_reason", "canned_reply", "customer", "conversation", "reminder", "tier_thresholds"];

export function AuditScreen() {
  const [entityType, setEntityType] = useState("");
  const [action, setAction] = useState("");
  const [applied, setApplied] = useState({ entityType: "", action: "" });
  const [events, setEvents] = useState<AuditEventView[] | null>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async (filter: { entityType: string; action: string }, before?: string) => {
    setBusy(true);
    try {
      const page = await adminApi.auditEvents({ ...filter, ...(before ? { before } : {}) });
      setEvents((current) => (before ? [...(current ?? []), ...page.events] : page.events));
      setNextCursor(page.nextCursor);
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }, []);
  useEffect(() => void load(applied), [load, applied]);

  function filter(event: FormEvent) {
    event.preventDefault();
    setApplied({ entityType, action: action.trim() });
  }

  return (
    <section className="admin__section" data-testid="audit-screen">
      <h2>Audit log</h2>
      <form className="audit-filters" onSubmit={filter}>
        <label>
          Entity type
          <select className="input" value={entityType} onChange={(e) => setEntityType(e.target.value)} data-testid="audit-entity-type">
            {ENTITY_TYPES.map((t) => (
              <option key={t} value={t}>
                {t || "any"}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action
          <input className="input" value={action} placeholder="e.g. agent_created" onChange={(e) => setAction(e.target.value)} data-testid="audit-action" />
        </label>
        <button className="button" type="submit" data-testid="audit-apply">
          Filter
        </button>
      </form>
      {problem && <p className="admin__error" role="alert">{problem}</p>}
      {events === null ? (
        <p className="admin__notice">Loading…</p>
      ) : events.length === 0 ? (
        <p className="admin__notice">Nothing recorded that matches.</p>
      ) : (
        <table className="admin-table" data-testid="audit-table">
          <thead>
            <tr>
              <th>Time</th>
              <th>Who</th>
              <th>Action</th>
              <th>Entity</th>
              <th>Data</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id} data-testid="audit-row">
                <td>{new Date(e.createdAt).toLocaleString()}</td>
                <td>{e.actor?.name ?? "system / command line"}</td>
                <td data-testid="audit-row-action">{e.action}</td>
                <td>
                  {e.entityType} <span className="admin__notice">{e.entityId.slice(0, 8)}</span>
                </td>
                <td className="audit-data">{JSON.stringify(e.data)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor && (
        <button className="button" type="button" disabled={busy} onClick={() => load(applied, nextCursor)} data-testid="audit-load-older">
          Load older
        </button>
      )}
    </section>
  );
}
