import { useState, type FormEvent } from "react";
import type { QueueView } from "../../../shared/queues.ts";
import { useServerForm } from "../../lib/use-server-form.ts";

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
  const { busy, fields, problem, run } = useServerForm();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const allowedOrigins = origins.split(/\s+/).map((o) => o.trim()).filter(Boolean);
    await run(() => onSubmit({ name: name.trim(), allowedOrigins, queueId: queueId || null }));
  }

  const originProblem = fields.allowedOrigins ?? null;
  const nameProblem = fields.name ?? null;
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
      {problem && <p className="admin__error" role="alert">{problem.message}</p>}
      <div className="admin-table__actions">
        <button className="button button--primary" type="submit" disabled={busy}>
          {submitLabel}
        </button>
        <button className="button" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
