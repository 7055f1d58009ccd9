// Away reasons: what an agent may pick in the presence menu when they step away. Supervisors read the
// list; admins add, rename, reorder and retire or restore (retired ones stay on the periods that used them).
import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { AwayReasonView } from "../../../shared/api.ts";
import { errorMessage } from "../../lib/api.ts";
import { settingsApi } from "../../lib/admin-api.ts";
import { useServerForm } from "../../lib/use-server-form.ts";

export type Props = { canManage: boolean };

type Values = { name: string; position: number };

function AwayReasonForm({ reason, onSubmit, onCancel }: { reason?: AwayReasonView; onSubmit: (v: Values) => Promise<void>; onCancel?: () => void }) {
  const [name, setName] = useState(reason?.name ?? "");
  const [position, setPosition] = useState(reason?.position ?? 0);
  // A taken name is a CONFLICT without a field: shown beside the name all the same, it is the name's problem.
  const { busy, fields, problem, run } = useServerForm();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if ((await run(() => onSubmit({ name, position }))) && !reason) setName("");
  }

  const testId = reason ? "edit-away" : "add-away";
  return (
    <form className="away-form" onSubmit={submit} data-testid={`${testId}-form`} noValidate>
      <label>
        Name
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} data-testid={`${testId}-name`} />
        {(fields.name ?? problem?.message) && (
          <span className="agent-form__field-error" data-testid={`${testId}-error`}>
            {fields.name ?? problem?.message}
          </span>
        )}
      </label>
      <label>
        Order in the menu
        <input className="input" type="number" min={0} value={position} onChange={(e) => setPosition(e.target.value === "" ? 0 : Number(e.target.value))} data-testid={`${testId}-position`} />
        {fields.position && <span className="agent-form__field-error">{fields.position}</span>}
      </label>
      <div className="admin-table__actions away-form__buttons">
        <button className="button button--primary" type="submit" disabled={busy} data-testid={`${testId}-save`}>
          {reason ? "Save" : "Add reason"}
        </button>
        {onCancel && (
          <button className="button button--quiet" type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

export function AwayReasonsScreen({ canManage }: Props) {
  const [reasons, setReasons] = useState<AwayReasonView[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setReasons((await settingsApi.awayReasons()).awayReasons);
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }, []);
  useEffect(() => void load(), [load]);

  const replace = (reason: AwayReasonView) => setReasons((list) => list && list.map((r) => (r.id === reason.id ? reason : r)));
  async function setActive(reason: AwayReasonView, active: boolean) {
    try {
      replace((await settingsApi.updateAwayReason(reason.id, { active })).awayReason);
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }

  return (
    <section className="admin__section" data-testid="away-screen">
      <h2>Away reasons</h2>
      <p className="admin__notice">
        {canManage ? "Agents pick one of the active reasons when they set themselves away." : "Supervisors see the reasons; only admins change them."}
      </p>
      {problem && <p className="admin__error" role="alert">{problem}</p>}
      {canManage && (
        <AwayReasonForm
          onSubmit={async (values) => {
            await settingsApi.createAwayReason(values);
            await load();
          }}
        />
      )}
      {reasons === null ? (
        <p className="admin__notice">Loading…</p>
      ) : (
        <table className="admin-table" data-testid="away-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Order</th>
              <th>Status</th>
              {canManage && <th>Actions</th>}
            </tr>
          </thead>
          <tbody>
            {reasons.map((reason) => (
              <tr key={reason.id} className={reason.active ? undefined : "admin-table__inactive"} data-testid="away-row" data-name={reason.name} data-active={reason.active}>
                {editing === reason.id ? (
                  <td colSpan={4}>
                    <AwayReasonForm
                      reason={reason}
                      onSubmit={async (values) => {
                        replace((await settingsApi.updateAwayReason(reason.id, values)).awayReason);
                        setEditing(null);
                      }}
                      onCancel={() => setEditing(null)}
                    />
                  </td>
                ) : (
                  <>
                    <td>{reason.name}</td>
                    <td>{reason.position}</td>
                    <td>{reason.active ? <span className="admin-badge">active</span> : <span className="admin-badge admin-badge--off">retired</span>}</td>
                    {canManage && (
                      <td>
                        <div className="admin-table__actions">
                          <button className="button" type="button" onClick={() => setEditing(reason.id)} data-testid="away-edit">
                            Rename
                          </button>
                          {reason.active ? (
                            <button className="button button--quiet" type="button" onClick={() => void setActive(reason, false)} data-testid="away-retire">
                              Retire
                            </button>
                          ) : (
                            <button className="button button--quiet" type="button" onClick={() => void setActive(reason, true)} data-testid="away-restore">
                              Restore
                            </button>
                          )}
                        </div>
                      </td>
                    )}
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
