import { useState, type FormEvent } from "react";
import { WrapUpBody } from "../../../shared/api.ts";
import { errorMessage } from "../../lib/api.ts";
import { dispositionLabel } from "../common/format.ts";

export type Props = {
  caller: string;
  /** The wrap-up time ran out: the agent is available again, and may still record how the call went. */
  timeUp: boolean;
  /** Records the disposition and note; throws when the server refuses. */
  onFinish: (body: WrapUpBody) => Promise<void>;
  /** Closes the form without recording anything. */
  onDismiss: () => void;
};

const dispositions = WrapUpBody.shape.disposition.options;

export function WrapUpForm({ caller, timeUp, onFinish, onDismiss }: Props) {
  const [disposition, setDisposition] = useState<WrapUpBody["disposition"]>("resolved");
  const [note, setNote] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const body = WrapUpBody.safeParse({ disposition, note: note.trim() === "" ? undefined : note });
    if (!body.success) return setError(body.error.issues[0]?.message ?? "Check the disposition and note.");
    setSaving(true);
    setError(null);
    try {
      // On success the form goes away: wrap-up is over.
      await onFinish(body.data);
    } catch (failure) {
      setError(errorMessage(failure));
      setSaving(false);
    }
  }

  return (
    <form className="wrap-up" onSubmit={submit} data-testid="wrapup-form" aria-label="Wrap-up">
      <p className="call-bar__what">
        <strong>Wrap-up</strong> <span className="call-bar__caller">{caller}</span>
        {timeUp && <span className="wrap-up__hint"> Wrap-up time is over and you are available again; you can still save this.</span>}
      </p>
      <label className="wrap-up__field">
        <span className="wrap-up__label">Disposition</span>
        <select
          className="wrap-up__select"
          value={disposition}
          onChange={(event) => {
            const chosen = WrapUpBody.shape.disposition.safeParse(event.target.value);
            if (chosen.success) setDisposition(chosen.data);
          }}
          data-testid="wrapup-disposition"
        >
          {dispositions.map((option) => (
            <option key={option} value={option}>
              {dispositionLabel[option]}
            </option>
          ))}
        </select>
      </label>
      <label className="wrap-up__field wrap-up__field--note">
        <span className="wrap-up__label">Note</span>
        <textarea
          className="wrap-up__note"
          rows={2}
          maxLength={5000}
          value={note}
          onChange={(event) => setNote(event.target.value)}
          placeholder="What was agreed, what comes next (goes on the customer's timeline)"
          data-testid="wrapup-note"
        />
      </label>
      <div className="call-bar__actions">
        <button className="button button--primary" type="submit" disabled={saving} data-testid="wrapup-done">
          {saving ? "Saving…" : "Done"}
        </button>
        <button className="link-button" type="button" onClick={onDismiss} data-testid="wrapup-skip" title="Close without a disposition; wrap-up time still runs out by itself">
          Skip
        </button>
      </div>
      {error && (
        <p className="inline-error wrap-up__error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
