// Adding or editing a canned reply. The server validates: its VALIDATION issues are shown beside the
// fields they name, and a taken shortcut (CONFLICT with details.field "shortcut") beside the shortcut.
import { useState, type FormEvent } from "react";
import type { CannedReplyView, CreateCannedReplyBody } from "../../../shared/canned-replies.ts";
import { Channel } from "../../../shared/domain.ts";
import { TEMPLATE_VARIABLES } from "../../../shared/template-variables.ts";
import { useServerForm } from "../../lib/use-server-form.ts";

export type Props = {
  /** Absent: a new reply. */
  reply?: CannedReplyView;
  onSubmit: (values: CreateCannedReplyBody) => Promise<void>;
  onCancel: () => void;
};

export function CannedReplyForm({ reply, onSubmit, onCancel }: Props) {
  const [title, setTitle] = useState(reply?.title ?? "");
  const [shortcut, setShortcut] = useState(reply?.shortcut ?? "");
  const [body, setBody] = useState(reply?.body ?? "");
  const [channel, setChannel] = useState<CannedReplyView["channel"]>(reply?.channel ?? null);
  const { busy, fields, problem, run } = useServerForm();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await run(() => onSubmit({ title, shortcut, body, channel }));
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
          {problem.message}
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
