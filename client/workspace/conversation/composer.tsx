import { useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { MessageView } from "../../../shared/api.ts";
import type { Channel } from "../../../shared/domain.ts";
import { channelLabel } from "../../../shared/events.ts";
import { useSendReply } from "../../lib/use-send-reply.ts";
import type { Typing } from "../../lib/use-typing.ts";
import { unfilledVariables, type TemplateValues } from "../../../shared/template-variables.ts";
import { useCannedReplyPicker } from "./canned-reply-picker.tsx";
import { UnfilledVariablesWarning } from "./unfilled-variables-warning.tsx";

export type Props = {
  conversationId: string;
  channel: Channel;
  /** Called with the stored message, so it shows before its live event arrives. */
  onSent: (message: MessageView) => void;
  /** Who else is typing here, and a way to say that I am. */
  typing: Typing;
  /** An email thread: who the reply goes to, under which subject. */
  emailReply?: { to: string; subject: string | null } | undefined;
  /** What canned replies' variables are filled with here (the customer's and my name, …). */
  templateValues?: TemplateValues;
};

const replySubject = (subject: string) => (/^re:/i.test(subject.trim()) ? subject.trim() : `Re: ${subject.trim()}`);

export function Composer({ conversationId, channel, onSent, typing, emailReply, templateValues = {} }: Props) {
  const [text, setText] = useState("");
  const { send, sending, error } = useSendReply(conversationId, onSent);
  const input = useRef<HTMLTextAreaElement>(null);
  const picker = useCannedReplyPicker({ text, setText, channel, values: templateValues, input });
  // A placeholder left in (a canned reply's variable without a value) is never sent raw.
  const unfilled = unfilledVariables(text);

  async function submit() {
    if (sending || text.trim() === "" || unfilled.length > 0) return;
    const sent = await send(text);
    // On failure the text stays, so the agent can fix or retry it.
    if (sent) {
      setText("");
      typing.stop();
    }
    input.current?.focus();
  }

  // A mail is written in paragraphs: there Enter is a new line and Ctrl+Enter (⌘+Enter) sends.
  const isEmail = channel === "email";
  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (picker.onKeyDown(event)) return;
    // Enter sends, Shift+Enter is a new line; never while an IME is composing a character.
    const sends = isEmail ? event.ctrlKey || event.metaKey : !event.shiftKey;
    if (event.key === "Enter" && sends && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    }
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void submit();
  }

  return (
    <form className="composer" onSubmit={onSubmit}>
      {emailReply && (
        <p className="composer__email" dir="auto" data-testid="composer-email-reply">
          Reply to {emailReply.to}
          {emailReply.subject ? ` — ${replySubject(emailReply.subject)}` : ""}
        </p>
      )}
      {typing.typers.length > 0 && (
        <p className="composer__typing" role="status" data-testid="typing-indicator">
          {typing.typers.join(", ")} {typing.typers.length === 1 ? "is" : "are"} typing…
        </p>
      )}
      {error && (
        <p className="composer__error" role="alert" data-testid="composer-error">
          {error}
        </p>
      )}
      <UnfilledVariablesWarning variables={unfilled} />
      {picker.list}
      <div className="composer__row">
        <textarea
          ref={input}
          className="composer__input"
          rows={3}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            typing.announce();
          }}
          onKeyDown={onKeyDown}
          placeholder={isEmail ? "Reply by Email… (Ctrl+Enter to send)" : `Reply by ${channelLabel[channel]}… (Enter to send, Shift+Enter for a new line)`}
          aria-label="Reply"
          dir="auto"
          aria-invalid={error ? true : undefined}
          data-testid="composer-input"
        />
        <button
          className="button button--primary composer__send"
          type="submit"
          disabled={sending || text.trim() === "" || unfilled.length > 0}
          data-testid="composer-send"
        >
          {sending ? "Sending…" : "Send"}
        </button>
      </div>
    </form>
  );
}
