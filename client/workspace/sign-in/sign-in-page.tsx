import { useState, type FormEvent } from "react";
import { errorMessage } from "../../lib/api.ts";
import { AcceptInviteForm } from "./accept-invite-form.tsx";

/** An invitation link's token (#invite=<token>), if this page was opened from one. */
function inviteToken(): string | null {
  return new URLSearchParams(location.hash.slice(1)).get("invite");
}

export type Props = {
  /** Throws an error whose message is shown under the form. */
  onSignIn: (email: string, password: string) => Promise<void>;
};

export function SignInPage({ onSignIn }: Props) {
  const [invite, setInvite] = useState(inviteToken);
  const [welcome, setWelcome] = useState(false);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSignIn(email, password);
    } catch (failure) {
      setError(errorMessage(failure));
      setBusy(false);
    }
  }

  if (invite) {
    return (
      <AcceptInviteForm
        token={invite}
        onDone={(invitedEmail) => {
          // The link is used up: forget it, and sign in with the new password.
          history.replaceState(null, "", location.pathname + location.search);
          setInvite(null);
          setEmail(invitedEmail);
          setWelcome(true);
        }}
      />
    );
  }

  return (
    <div className="sign-in">
      <form className="sign-in__card" onSubmit={submit} noValidate>
        <h1 className="sign-in__brand">Switchboard</h1>
        <p className="sign-in__lead">{welcome ? "Your password is set: sign in with it." : "Sign in to the agent workspace"}</p>
        <label className="field">
          <span className="field__label">Email</span>
          <input
            className="input"
            type="email"
            name="email"
            autoComplete="username"
            autoFocus
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            data-testid="signin-email"
          />
        </label>
        <label className="field">
          <span className="field__label">Password</span>
          <input
            className="input"
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            data-testid="signin-password"
          />
        </label>
        {error && (
          <p className="form-error" role="alert" data-testid="signin-error">
            {error}
          </p>
        )}
        <button className="button button--primary sign-in__submit" type="submit" disabled={busy} data-testid="signin-submit">
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </div>
  );
}
