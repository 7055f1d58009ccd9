import { useDueReminders } from "../../lib/use-due-reminders.ts";
import { formatTime } from "../common/format.ts";
import "./follow-ups.css";

export type Props = {
  /** Opens the reminder's conversation (or its customer's latest). */
  onOpen: (conversationId: string) => void;
};

/** My reminders that fired and are not done yet, live; shown only while there are some. */
export function DueReminders({ onOpen }: Props) {
  const { due, error, markDone } = useDueReminders();
  if (due.length === 0 && !error) return null;
  return (
    <section className="work-list__section due-reminders" aria-labelledby="due-reminders-heading" data-testid="due-reminders">
      <h2 id="due-reminders-heading" className="work-list__heading">
        Due reminders <span className="count">{due.length}</span>
      </h2>
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      <ul className="work-list__items">
        {due.map((r) => (
          <li key={r.id} className="due-reminder" data-testid="due-reminder" data-reminder-id={r.id}>
            <span className="due-reminder__top">
              <span className="due-reminder__who">{r.customer.displayName ?? "Customer"}</span>
              <time className="due-reminder__time" dateTime={r.dueAt}>
                {formatTime(r.dueAt)}
              </time>
            </span>
            <span className="due-reminder__note">{r.note}</span>
            <span className="due-reminder__actions">
              {r.openConversationId && (
                <button className="button" type="button" onClick={() => onOpen(r.openConversationId!)} data-testid="due-reminder-open">
                  Open
                </button>
              )}
              <button className="button button--primary" type="button" onClick={() => void markDone(r.id)} data-testid="due-reminder-done">
                Done
              </button>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
