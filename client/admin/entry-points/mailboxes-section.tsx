// The mailboxes Switchboard reads (IMAP) and sends from (SMTP), their health and the queue their mail joins.
import { useState } from "react";
import type { MailboxView } from "../../../shared/email.ts";
import type { QueueView } from "../../../shared/queues.ts";
import { errorMessage } from "../../lib/api.ts";
import { entryPointApi } from "../../lib/entry-point-api.ts";
import { MailboxForm } from "./mailbox-form.tsx";
import { QueueSelect } from "./queue-select.tsx";

export type Props = { mailboxes: MailboxView[]; queues: QueueView[]; canManage: boolean; onChanged: () => void };

const stateLabel: Record<MailboxView["health"]["state"], string> = { connecting: "connecting", connected: "connected", failing: "failing", inactive: "off" };

export function MailboxesSection({ mailboxes, queues, canManage, onChanged }: Props) {
  const [adding, setAdding] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function change(mailbox: MailboxView, body: Parameters<typeof entryPointApi.updateMailbox>[1]) {
    setProblem(null);
    try {
      await entryPointApi.updateMailbox(mailbox.id, body);
      onChanged();
    } catch (failure) {
      setProblem(errorMessage(failure));
    }
  }

  return (
    <section className="admin__section" data-testid="mailboxes-section">
      <h2>Mailboxes</h2>
      {problem && <p className="admin__error" role="alert">{problem}</p>}
      <table className="admin-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Address</th>
            <th>State</th>
            <th>Mail joins</th>
            {canManage && <th />}
          </tr>
        </thead>
        <tbody>
          {mailboxes.map((m) => (
            <tr key={m.id} data-testid="mailbox-row" data-address={m.address}>
              <td>
                {m.name}
                {m.fromEnvironment && <span className="admin__notice"> (from IMAP_URL)</span>}
              </td>
              <td>{m.address}</td>
              <td>
                <span className={m.health.state === "failing" ? "admin-badge admin-badge--off" : "admin-badge"} title={m.health.reason ?? undefined}>
                  {stateLabel[m.health.state]}
                </span>
                {m.health.state === "failing" && m.health.reason && <div className="admin__notice">{m.health.reason}</div>}
              </td>
              <td>
                <QueueSelect label={`Mail to ${m.address} joins`} value={m.queue?.id ?? null} queues={queues} disabled={!canManage} onChange={(queueId) => void change(m, { queueId })} />
              </td>
              {canManage && (
                <td>
                  <button className="button" type="button" onClick={() => void change(m, { active: !m.active })}>
                    {m.active ? "Turn off" : "Turn on"}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {mailboxes.length === 0 && <p className="admin__notice">No mailbox: email is off until one is added.</p>}
      {canManage &&
        (adding ? (
          <MailboxForm
            queues={queues}
            onSaved={() => {
              setAdding(false);
              onChanged();
            }}
            onCancel={() => setAdding(false)}
          />
        ) : (
          <p>
            <button className="button button--primary" type="button" onClick={() => setAdding(true)} data-testid="add-mailbox">
              Add mailbox
            </button>
          </p>
        ))}
    </section>
  );
}
