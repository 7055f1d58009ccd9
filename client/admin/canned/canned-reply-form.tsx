// Adding or editing a canned reply. The server validates: its VALIDATION issues are shown beside the
// fields they name, and a taken shortcut (CONFLICT with details.field "shortcut") beside the shortcut.
import { useState, type FormEvent } from "react";
import type { CannedReplyView, CreateCannedReplyBody } from "../../../shared/canned-replies.ts";
import { Channel } from "../../../shared/domain.ts";
import { TEMPLATE_VARIABLES } from "../../../shared/template-variables.ts";
import { ApiError, errorMessage } from "../../lib/api.ts";
import { fieldErrors } from "../agents/agent-form.tsx";

export type Props = {
  /** Absent: a new reply. */
  reply?: CannedReplyView;
  onSubmit: (values: CreateCannedReplyBody) => Promise<void>;
  onCancel: () => void;
};

/** A CONFLICT that names its field is that field's error; VALIDATION issues name theirs. */
function errorsByField(error: unknown): Record<string, string> {
  if (error instanceof ApiError && error.code === "CONFLICT") {
    const field = (error.details as { field?: unknown } | undefined)?.field;
    if (typeof field === "string") return { [field]: error.message };
  }
  return fieldErrors(error);
}

export function CannedReplyForm({ reply, onSubmit, onCancel }: Props) {
  const [title, setTitle] = useState(reply?.title ?? "");
  const [shortcut, setShortcut] = useState(reply?.shortcut ?? "");
  const [body, setBody] = useState(reply?.body ?? "");
  const [channel, setChannel] = useState<CannedReplyView["channel"]>(reply?.channel ?? null);
  const [busy, setBusy] = useState(false);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setFields({});
    setProblem(null);
    try {
      await onSubmit({ title, shortcut, body, channel });
    } catch (error) {
      const byField = errorsByField(error);
      setFields(byField);
      if (Object.keys(byField).length === 0) setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  const errorFor = (field: string) =>
    fields[field] ? (
      <span className="agent-form__field-error" data-testid={`canned-field-error-${field}`}>
        {fields[field]}
      </span>
    ) : null;

  return (
    <form className="agent-form canned-form" onSubmit={submit} data-testid={reply ? "edit-canned-form" : "add-canned-form"} noValidate>
      <label>
        Title
        <input className="input" value={title} onChange={(e) => setTitle(e.target.value)} data-testid="canned-title" />
        {errorFor("title")}
      </label>
      <label>
        Shortcut (typed after "/" in the composer)
        <input className="input" value={shortcut} onChange={(e) => setShortcut(e.target.value)} data-testid="canned-shortcut" />
        {errorFor("shortcut")}
      </label>
      <label>
        Channel
        <select
          className="input"
          value={channel ?? ""}
          onChange={(e) => setChannel(e.target.value === "" ? null : Channel.parse(e.target.value))}
          data-testid="canned-channel"
        >
          <option value="">Every channel</option>
          {Channel.options.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
        {errorFor("channel")}
      </label>
      <label className="canned-form__body">
        Text
        <textarea className="input" rows={4} value={body} onChange={(e) => setBody(e.target.value)} data-testid="canned-body" />
        {errorFor("body")}
        <span className="canned-form__help" data-testid="canned-variables-help">
          Variables filled in from the conversation: {TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(", ")}
        </span>
      </label>
      {problem && (
        <p className="admin__error agent-form__buttons" role="alert" data-testid="canned-form-problem">
          {problem}
        </p>
      )}
      <div className="agent-form__buttons">
        <button className="button button--primary" type="submit" disabled={busy} data-testid="canned-save">
          {reply ? "Save changes" : "Add reply"}
        </button>
        <button className="button button--quiet" type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
