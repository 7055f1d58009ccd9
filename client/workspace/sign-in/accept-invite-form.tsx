import { useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api.ts";
import { inviteApi } from "../../lib/invite-api.ts";

export type Props = { token: string; onDone: (email: string) => void };

/** The page an invitation link opens (#invite=<token>): the new agent chooses their password. */
export function AcceptInviteForm({ token, onDone }: Props) {
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (password !== repeat) return setError("The two passwords are not the same.");
    setBusy(true);
    setError(null);
    try {
      const { email } = await inviteApi.accept(token, password);
      onDone(email);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  }

  return (
    <div className="sign-in">
      <form className="sign-in__card" onSubmit={submit} noValidate data-testid="accept-invite-form">
        <h1 className="sign-in__brand">Switchboard</h1>
        <p className="sign-in__lead">Welcome! Choose the password you will sign in with (at least 12 characters).</p>
        <label className="field">
          <span className="field__label">New password</span>
          <input className="input" type="password" autoComplete="new-password" autoFocus value={password} onChange={(e) => setPassword(e.target.value)} data-testid="invite-password" />
        </label>
        <label className="field">
          <span className="field__label">The same again</span>
          <input className="input" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} data-testid="invite-password-repeat" />
        </label>
        {error && (
          <p className="form-error" role="alert" data-testid="invite-error">
            {error}
          </p>
        )}
        <button className="button button--primary sign-in__submit" type="submit" disabled={busy || !password} data-testid="invite-submit">
          {busy ? "Saving…" : "Set my password"}
        </button>
      </form>
    </div>
  );
}
