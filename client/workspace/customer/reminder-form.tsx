import { useState, type FormEvent } from "react";
import { REMINDER_NOTE_MAX, type CreateReminderBody } from "../../../shared/follow-ups.ts";
import { errorMessage } from "../../lib/api.ts";
import { fromLocalInput, quickTimes, toLocalInput } from "../common/quick-times.ts";

export type Props = {
  customerId: string;
  conversationId: string;
  /** Throws the ApiError; the form shows it. */
  onCreate: (body: CreateReminderBody) => Promise<void>;
};

const PICK = "pick";

/** When (a quick pick or a date and time of one's own) and what: a reminder for me. */
export function ReminderForm({ customerId, conversationId, onCreate }: Props) {
  const [when, setWhen] = useState("1h");
  const [at, setAt] = useState(() => toLocalInput(new Date(Date.now() + 3_600_000)));
  const [note, setNote] = useState("");
  const [onConversation, setOnConversation] = useState(true);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const dueAt = when === PICK ? fromLocalInput(at) : quickTimes().find((q) => q.key === when)?.at;
    if (!dueAt) return setError("Pick a date and time.");
    setSaving(true);
    setError(null);
    try {
      await onCreate({ customerId, conversationId: onConversation ? conversationId : null, dueAt: dueAt.toISOString(), note: note.trim() });
      setNote("");
      // A picked time is used up: the next reminder starts from the first quick pick again.
      setWhen("1h");
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form className="reminder-form" onSubmit={submit} data-testid="reminder-form">
      <label className="reminder-form__row">
        <span>Remind me</span>
        <select className="presence__select" value={when} onChange={(e) => setWhen(e.target.value)} data-testid="reminder-when">
          {quickTimes().map((q) => (
            <option key={q.key} value={q.key}>
              {q.label}
            </option>
          ))}
          <option value={PICK}>Pick a time…</option>
        </select>
      </label>
      {when === PICK && (
        <input className="input" type="datetime-local" step={1} value={at} onChange={(e) => setAt(e.target.value)} aria-label="Reminder time" data-testid="reminder-at" />
      )}
      <textarea
        className="input reminder-form__note"
        rows={2}
        maxLength={REMINDER_NOTE_MAX}
        placeholder="What to follow up on"
        value={note}
        onChange={(e) => setNote(e.target.value)}
        aria-label="Reminder note"
        data-testid="reminder-note"
      />
      <label className="reminder-form__check">
        <input type="checkbox" checked={onConversation} onChange={(e) => setOnConversation(e.target.checked)} />
        About this conversation
      </label>
      {error && (
        <p className="inline-error" role="alert">
          {error}
        </p>
      )}
      <button className="button button--primary" type="submit" disabled={saving || note.trim() === ""} data-testid="reminder-submit">
        {saving ? "Saving…" : "Set reminder"}
      </button>
    </form>
  );
}
