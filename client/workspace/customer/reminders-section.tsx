import type { CustomerView } from "../../../shared/api.ts";
import type { AgentRole } from "../../../shared/domain.ts";
import type { ReminderView } from "../../../shared/follow-ups.ts";
import { useCustomerReminders } from "../../lib/use-customer-reminders.ts";
import { formatTime } from "../common/format.ts";
import { ReminderForm } from "./reminder-form.tsx";
import "./reminders-section.css";

export type Props = {
  customer: CustomerView;
  conversationId: string;
  agent: { id: string; role: AgentRole; name: string };
};

/** The customer's open reminders (anyone's: no department an island), and setting one of my own. */
export function RemindersSection({ customer, conversationId, agent }: Props) {
  const { reminders, error, create, markDone, cancel } = useCustomerReminders(customer.id);
  // The role table: one's own, or anyone's for a supervisor or admin.
  const mayChange = (r: ReminderView) => r.agent.id === agent.id || agent.role !== "agent";

  return (
    <section className="customer-panel__section" aria-label="Reminders" data-testid="reminders-section">
      <h3>Reminders</h3>
      {reminders.length === 0 ? (
        <p className="customer-panel__muted">No open reminders.</p>
      ) : (
        <ul className="customer-panel__list">
          {reminders.map((r) => (
            <li key={r.id} className={`reminder${r.firedAt ? " reminder--due" : ""}`} data-testid="customer-reminder" data-reminder-id={r.id}>
              <span className="reminder__when">
                {r.firedAt ? "Due " : ""}
                <time dateTime={r.dueAt}>{formatTime(r.dueAt)}</time>
                <span className="customer-panel__muted"> · {r.agent.id === agent.id ? "yours" : r.agent.name}</span>
              </span>
              <span className="reminder__note">{r.note}</span>
              {mayChange(r) && (
                <span className="reminder__actions">
                  <button className="link-button" type="button" onClick={() => void markDone(r.id)}>
                    Done
                  </button>
                  <button className="link-button" type="button" onClick={() => void cancel(r.id)}>
                    Cancel
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      <ReminderForm customerId={customer.id} conversationId={conversationId} onCreate={create} />
    </section>
  );
}
