import { useState, type FormEvent } from "react";
import type { QueueView } from "../../../shared/queues.ts";
import { entryPointApi } from "../../lib/entry-point-api.ts";
import { useServerForm } from "../../lib/use-server-form.ts";
import { QueueSelect } from "./queue-select.tsx";

type Server = { host: string; port: string; secure: boolean; user: string; password: string };

export type Props = { queues: QueueView[]; onSaved: () => void; onCancel: () => void };

/** A new mailbox: where to read mail (IMAP), where to send it (SMTP), and the queue its mail joins. */
export function MailboxForm({ queues, onSaved, onCancel }: Props) {
  const [name, setName] = useState("");
  const [address, setAddress] = useState("");
  const [queueId, setQueueId] = useState<string | null>(null);
  const [imap, setImap] = useState<Server>({ host: "", port: "993", secure: true, user: "", password: "" });
  const [smtp, setSmtp] = useState<Server>({ host: "", port: "465", secure: true, user: "", password: "" });
  const { busy, fields: problems, problem, run } = useServerForm();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const saved = await run(() =>
      entryPointApi.addMailbox({
        name: name.trim(),
        address: address.trim(),
        queueId,
        imap: { host: imap.host.trim(), port: Number(imap.port), secure: imap.secure, user: imap.user, password: imap.password },
        smtp: { host: smtp.host.trim(), port: Number(smtp.port), secure: smtp.secure, user: smtp.user || null, password: smtp.password || null },
      }),
    );
    if (saved) onSaved();
  }

  const server = (kind: "imap" | "smtp", value: Server, set: (v: Server) => void) => (
    <fieldset className="admin-fieldset">
      <legend>{kind === "imap" ? "Reading mail (IMAP)" : "Sending mail (SMTP)"}</legend>
      <input className="input" aria-label={`${kind} host`} placeholder="Host" value={value.host} onChange={(e) => set({ ...value, host: e.target.value })} />
      <input className="input" aria-label={`${kind} port`} inputMode="numeric" value={value.port} onChange={(e) => set({ ...value, port: e.target.value })} />
      <label>
        <input type="checkbox" checked={value.secure} onChange={(e) => set({ ...value, secure: e.target.checked })} /> TLS from the start
      </label>
      <input className="input" aria-label={`${kind} user`} placeholder={kind === "smtp" ? "User (if it needs one)" : "User"} value={value.user} onChange={(e) => set({ ...value, user: e.target.value })} />
      <input className="input" aria-label={`${kind} password`} type="password" placeholder="Password" autoComplete="new-password" value={value.password} onChange={(e) => set({ ...value, password: e.target.value })} />
      {Object.entries(problems)
        .filter(([field]) => field.startsWith(`${kind}.`))
        .map(([field, message]) => (
          <span key={field} className="admin__error">
            {field.slice(kind.length + 1)}: {message}
          </span>
        ))}
    </fieldset>
  );

  return (
    <form className="agent-form" onSubmit={submit} data-testid="mailbox-form" noValidate>
      <label>
        Name
        <input className="input" aria-label="Mailbox name" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
        {problems.name && <span className="admin__error">{problems.name}</span>}
      </label>
      <label>
        Address
        <input className="input" aria-label="Mailbox address" type="email" placeholder="support@example.com" value={address} onChange={(e) => setAddress(e.target.value)} />
        {problems.address && <span className="admin__error" data-testid="mailbox-address-error">{problems.address}</span>}
      </label>
      <label>
        Mail joins
        <QueueSelect label="Mailbox queue" value={queueId} queues={queues} onChange={setQueueId} />
      </label>
      {server("imap", imap, setImap)}
      {server("smtp", smtp, setSmtp)}
      {problem && <p className="admin__error" role="alert">{problem.message}</p>}
      <div className="admin-table__actions">
        <button className="button button--primary" type="submit" disabled={busy}>
          Add mailbox
        </button>
        <button className="button" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
