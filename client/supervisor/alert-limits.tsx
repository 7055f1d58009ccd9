// The limits past which an agent in wrap-up or away raises an alert: admins change them here (the
// board refreshes within seconds); a queue's waiting limit is set with the queue.
import { useEffect, useState, type FormEvent } from "react";
import { boardApi } from "../lib/board-api.ts";
import { useServerForm } from "../lib/use-server-form.ts";

export function AlertLimits({ canManage }: { canManage: boolean }) {
  const [wrapUp, setWrapUp] = useState("");
  const [away, setAway] = useState("");
  const [saved, setSaved] = useState(false);
  const form = useServerForm();
  useEffect(() => {
    boardApi.settings().then(
      (s) => {
        setWrapUp(String(s.wrapUpAlertSeconds));
        setAway(String(s.awayAlertSeconds));
      },
      () => {},
    );
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(await form.run(() => boardApi.saveSettings({ wrapUpAlertSeconds: Number(wrapUp), awayAlertSeconds: Number(away) })));
  }
  const problem = (field: string) => form.fields[field] && <span className="board-bad" data-testid={`limit-error-${field}`}> {form.fields[field]}</span>;
  return (
    <form className="board-limits" onSubmit={submit} noValidate data-testid="alert-limits">
      <fieldset disabled={!canManage || form.busy}>
        <label>Alert when an agent is in wrap-up for more than (seconds)
          <input className="input" aria-label="Wrap-up alert" inputMode="numeric" value={wrapUp} onChange={(e) => setWrapUp(e.target.value)} />{problem("wrapUpAlertSeconds")}
        </label>
        <label>Alert when an agent is away for more than (seconds)
          <input className="input" aria-label="Away alert" inputMode="numeric" value={away} onChange={(e) => setAway(e.target.value)} />{problem("awayAlertSeconds")}
        </label>
        {canManage && <button className="button" type="submit">Save limits</button>}
        {saved && <span className="board-muted"> Saved.</span>}
        {form.problem && <span className="board-bad"> {form.problem.message}</span>}
      </fieldset>
      {!canManage && <p className="board-muted">Only an admin changes these.</p>}
    </form>
  );
}
