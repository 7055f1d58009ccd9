// "Email": an agent writes to the customer first, from any of their conversations. The new thread is
// assigned to the agent and opens at once; the customer's answer comes back into it.
import { useState, type FormEvent } from "react";
import type { ConversationView } from "../../../shared/api.ts";
import { api, errorMessage } from "../../lib/api.ts";

type Props = {
  customerId: string;
  /** The customer's email addresses, the first is proposed. */
  addresses: string[];
  onStarted: (conversation: ConversationView) => void;
};

export function NewEmail({ customerId, addresses, onStarted }: Props) {
  const [open, setOpen] = useState(false);
  const [to, setTo] = useState(addresses[0] ?? "");
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (addresses.length === 0) return null;

  async function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSending(true);
    setError(null);
    try {
      const { conversation } = await api.startEmail({ customerId, to, subject, body });
      setOpen(false);
      setSubject("");
      setBody("");
      onStarted(conversation);
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setSending(false);
    }
  }

  if (!open) {
    return (
      <button className="button" type="button" onClick={() => setOpen(true)} data-testid="new-email">
        Email
      </button>
    );
  }
  return (
    <form className="new-email" onSubmit={send} data-testid="new-email-form">
      <label>
        To
        <select value={to} onChange={(e) => setTo(e.target.value)} data-testid="new-email-to">
          {addresses.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <label>
        Subject
        <input value={subject} onChange={(e) => setSubject(e.target.value)} required maxLength={500} dir="auto" data-testid="new-email-subject" />
      </label>
      <textarea value={body} onChange={(e) => setBody(e.target.value)} required rows={6} dir="auto" aria-label="Message" data-testid="new-email-body" />
      {error && (
        <p className="inline-error" role="alert" data-testid="new-email-error">
          {error}
        </p>
      )}
      <div className="new-email__actions">
        <button className="button" type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
        <button className="button button--primary" type="submit" disabled={sending || !subject.trim() || !body.trim()} data-testid="new-email-send">
          {sending ? "Sending…" : "Send email"}
        </button>
      </div>
    </form>
  );
}
