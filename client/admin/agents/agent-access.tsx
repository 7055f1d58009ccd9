// Beside an agent's edit form: unlock their sign-in after too many failed attempts, and set or clear the
// phone their calls ring instead of the browser softphone (an admin sets it directly; agents confirm
// their own by a code).
import { useState, type FormEvent } from "react";
import type { AgentView } from "../../../shared/api.ts";
import { adminApi } from "../../lib/admin-api.ts";
import { useServerForm } from "../../lib/use-server-form.ts";

export function AgentAccess({ agent, onChanged }: { agent: AgentView; onChanged: (agent: AgentView) => void }) {
  const [phone, setPhone] = useState(agent.forwardPhone ?? "");
  const [note, setNote] = useState<string | null>(null);
  const phoneForm = useServerForm();
  const unlockForm = useServerForm();

  async function savePhone(event: FormEvent, value: string | null) {
    event.preventDefault();
    setNote(null);
    const ok = await phoneForm.run(async () => {
      const { agent: updated } = await adminApi.setForwardPhone(agent.id, value);
      onChanged(updated);
      setPhone(updated.forwardPhone ?? "");
    });
    if (ok) setNote(value ? "Calls ring this phone now." : "Calls ring the browser softphone now.");
  }

  async function unlock() {
    setNote(null);
    let cleared = 0;
    const ok = await unlockForm.run(async () => {
      cleared = (await adminApi.unlockAgent(agent.id)).cleared;
    });
    if (ok) setNote(cleared ? "Sign-in unlocked." : "Sign-in was not locked.");
  }

  return (
    <div className="agent-access" data-testid="agent-access">
      <form className="away-form" onSubmit={(e) => savePhone(e, phone.trim() || null)} noValidate>
        <label>Forward calls to (phone)
          <input className="input" aria-label="Forward phone" value={phone} onChange={(e) => setPhone(e.target.value)} placeholder="+14155550123" />
        </label>
        <button className="button" type="submit" disabled={phoneForm.busy}>Save phone</button>
        {agent.forwardPhone && (
          <button className="button button--quiet" type="button" onClick={(e) => savePhone(e, null)} disabled={phoneForm.busy}>Use the softphone</button>
        )}
        <button className="button button--quiet" type="button" onClick={unlock} disabled={unlockForm.busy} data-testid="agent-unlock">Unlock sign-in</button>
      </form>
      {phoneForm.fields.phone && <p className="admin__error" data-testid="forward-phone-error">{phoneForm.fields.phone}</p>}
      {(phoneForm.problem ?? unlockForm.problem) && <p className="admin__error" role="alert">{(phoneForm.problem ?? unlockForm.problem)!.message}</p>}
      {note && <p className="admin__notice" data-testid="agent-access-note">{note}</p>}
    </div>
  );
}
