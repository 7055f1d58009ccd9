import { useCallback, useEffect, useState, type FormEvent } from "react";
import type { CustomerNoteView } from "../../../shared/customers.ts";
import { errorMessage } from "../../lib/api.ts";
import { customerApi } from "../../lib/customer-api.ts";
import { useSocketEvent } from "../../lib/use-socket-event.ts";
import { formatFullTime, formatTime } from "../common/format.ts";

/** What colleagues should know about this person, whatever the channel; newest first. */
export function CustomerNotes({ customerId }: { customerId: string }) {
  const [notes, setNotes] = useState<CustomerNoteView[]>([]);
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const load = useCallback(async () => {
    try {
      setNotes((await customerApi.notes(customerId)).notes);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }, [customerId]);
  useEffect(() => void load(), [load]);
  useSocketEvent("customer:updated", (event) => {
    if (event.customerId === customerId) void load();
  });

  async function add(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    setError(null);
    try {
      const { note } = await customerApi.addNote(customerId, draft);
      setNotes((current) => [note, ...current.filter((n) => n.id !== note.id)]);
      setDraft("");
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setSaving(false);
    }
  }

  return (
    <section className="customer-panel__section" aria-label="Customer notes">
      <h3>Notes about the customer</h3>
      <form className="customer-panel__note-form" onSubmit={add}>
        <textarea className="input" aria-label="New customer note" rows={2} maxLength={4000} dir="auto" value={draft} onChange={(e) => setDraft(e.target.value)} />
        <button className="button" type="submit" disabled={saving || !draft.trim()}>Add note</button>
      </form>
      {error && <p className="customer-panel__error" role="alert">{error}</p>}
      <ul className="customer-panel__list" data-testid="customer-notes">
        {notes.map((note) => (
          <li key={note.id} className="customer-panel__note">
            <p dir="auto">{note.body}</p>
            <span className="customer-panel__muted" title={formatFullTime(note.createdAt)}>
              {note.author.name} · {formatTime(note.createdAt)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
