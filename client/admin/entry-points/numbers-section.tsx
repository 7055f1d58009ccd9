// The business's Twilio numbers and the queues their texts and calls wait in.
import { useState, type FormEvent } from "react";
import type { PhoneNumberView, QueueView } from "../../../shared/queues.ts";
import { formatPhone } from "../../../shared/phone.ts";
import { errorMessage } from "../../lib/api.ts";
import { entryPointApi } from "../../lib/entry-point-api.ts";
import { fieldErrors } from "../../lib/use-server-form.ts";
import { QueueSelect } from "./queue-select.tsx";

export type Props = { numbers: PhoneNumberView[]; queues: QueueView[]; canManage: boolean; onChanged: () => void };

export function NumbersSection({ numbers, queues, canManage, onChanged }: Props) {
  const [number, setNumber] = useState("");
  const [label, setLabel] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [problem, setProblem] = useState<string | null>(null);

  async function add(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await entryPointApi.addNumber({ number: number.trim(), label: label.trim() || null });
      setNumber("");
      setLabel("");
      onChanged();
    } catch (failure) {
      setError(failure);
    }
  }

  async function change(run: () => Promise<unknown>) {
    setProblem(null);
    try {
      await run();
      onChanged();
    } catch (failure) {
      setProblem(errorMessage(failure));
    }
  }

  const numberProblem = fieldErrors(error).number;
  return (
    <section className="admin__section" data-testid="numbers-section">
      <h2>Twilio numbers</h2>
      <p className="admin__notice">A text or call to a number waits in its queue; a number not listed here uses the default queue.</p>
      {problem && <p className="admin__error" role="alert">{problem}</p>}
      <table className="admin-table">
        <thead>
          <tr>
            <th>Number</th>
            <th>Label</th>
            <th>Texts wait in</th>
            <th>Calls wait in</th>
            {canManage && <th />}
          </tr>
        </thead>
        <tbody>
          {numbers.map((n) => (
            <tr key={n.id} data-testid="number-row" data-number={n.number}>
              <td>{formatPhone(n.number)}</td>
              <td>{n.label ?? "—"}</td>
              <td>
                <QueueSelect label={`Texts to ${n.number} wait in`} value={n.smsQueueId} queues={queues} disabled={!canManage} onChange={(smsQueueId) => void change(() => entryPointApi.updateNumber(n.id, { smsQueueId }))} />
              </td>
              <td>
                <QueueSelect label={`Calls to ${n.number} wait in`} value={n.voiceQueueId} queues={queues} disabled={!canManage} onChange={(voiceQueueId) => void change(() => entryPointApi.updateNumber(n.id, { voiceQueueId }))} />
              </td>
              {canManage && (
                <td>
                  <button className="button" type="button" onClick={() => void change(() => entryPointApi.removeNumber(n.id))}>
                    Remove
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {canManage && (
        <form className="admin-inline-form" onSubmit={add} data-testid="add-number-form">
          <input className="input" aria-label="New number" placeholder="+14155550100" value={number} onChange={(e) => setNumber(e.target.value)} />
          <input className="input" aria-label="Label" placeholder="Label (optional)" value={label} maxLength={100} onChange={(e) => setLabel(e.target.value)} />
          <button className="button button--primary" type="submit" disabled={!number.trim()}>
            Add number
          </button>
          {numberProblem && <span className="admin__error" data-testid="number-error">{numberProblem}</span>}
          {error !== null && !numberProblem && <span className="admin__error" role="alert">{errorMessage(error)}</span>}
        </form>
      )}
    </section>
  );
}
