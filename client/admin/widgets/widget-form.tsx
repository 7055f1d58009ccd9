import { useState, type FormEvent } from "react";
import type { QueueView } from "../../../shared/queues.ts";
import { errorMessage } from "../../lib/api.ts";
import { fieldErrors } from "../agents/agent-form.tsx";

export interface WidgetFormValues {
  name: string;
  allowedOrigins: string[];
  queueId: string | null;
}

export type Props = {
  initial?: WidgetFormValues;
  queues: QueueView[];
  submitLabel: string;
  onSubmit: (values: WidgetFormValues) => Promise<void>;
  onCancel: () => void;
};

/** Name, the sites (one origin per line) that may embed the widget, and the queue its chats join. */
export function WidgetForm({ initial, queues, submitLabel, onSubmit, onCancel }: Props) {
  const [name, setName] = useState(initial?.name ?? "");
  const [origins, setOrigins] = useState((initial?.allowedOrigins ?? []).join("\n"));
  const [queueId, setQueueId] = useState(initial?.queueId ?? "");
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const allowedOrigins = origins.split(/\s+/).map((o) => o.trim()).filter(Boolean);
      await onSubmit({ name: name.trim(), allowedOrigins, queueId: queueId || null });
    } catch (failure) {
      setError(failure);
    } finally {
      setSaving(false);
    }
  }

  const problems = fieldErrors(error);
  const originProblem = problems.allowedOrigins ?? null;
  const nameProblem = problems.name ?? null;
  return (
    <form className="agent-form" onSubmit={submit} data-testid="widget-form">
      <label>
        Name
        <input className="input" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} aria-label="Widget name" />
        {nameProblem && <span className="admin__error">{nameProblem}</span>}
      </label>
      <label>
        Allowed sites (one origin per line, e.g. https://www.example.com)
        <textarea className="input" rows={3} value={origins} onChange={(e) => setOrigins(e.target.value)} aria-label="Allowed origins" />
        {originProblem && <span className="admin__error" data-testid="origins-error">{originProblem}</span>}
      </label>
      <label>
        Queue its chats join
        <select className="input" value={queueId} onChange={(e) => setQueueId(e.target.value)} aria-label="Widget queue">
          <option value="">The default queue</option>
          {queues.map((q) => (
            <option key={q.id} value={q.id}>
              {q.name}
            </option>
          ))}
        </select>
      </label>
      {error !== null && !originProblem && !nameProblem && <p className="admin__error" role="alert">{errorMessage(error)}</p>}
      <div className="admin-table__actions">
        <button className="button button--primary" type="submit" disabled={saving}>
          {submitLabel}
        </button>
        <button className="button" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
