import type { QueueView } from "../../../shared/queues.ts";

export type Props = { label: string; value: string | null; queues: QueueView[]; disabled?: boolean; onChange: (queueId: string | null) => void };

/** A queue, or the default queue (null). */
export function QueueSelect({ label, value, queues, disabled, onChange }: Props) {
  return (
    <select className="input" aria-label={label} value={value ?? ""} disabled={disabled} onChange={(e) => onChange(e.target.value || null)}>
      <option value="">The default queue</option>
      {queues.map((q) => (
        <option key={q.id} value={q.id}>
          {q.name}
        </option>
      ))}
    </select>
  );
}
