import { useCallback, useRef, type FormEvent, type KeyboardEvent } from "react";
import { useDraft } from "../../lib/use-draft.ts";
import type { MessageView } from "../../../shared/api.ts";
import type { Channel } from "../../../shared/domain.ts";
import { channelLabel } from "../../../shared/events.ts";
import { useSendReply } from "../../lib/use-send-reply.ts";
import type { Typing } from "../../lib/use-typing.ts";
import { useAgentDirectory } from "../../lib/use-agent-directory.ts";
import { ComposerCounter, MentionPicker, mentionQuery } from "./composer-extras.tsx";
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
  /** Only notes here (a call, or someone else's conversation): no reply to the customer. */
  noteOnly?: boolean;
  /** What canned replies' variables are filled with here (the customer's and my name, …). */
  templateValues?: TemplateValues;
  /** The newest message on screen (createdAt): a colleague's answer after it asks before this reply goes. */
  seenAt?: string | undefined;
};

const replySubject = (subject: string) => (/^re:/i.test(subject.trim()) ? subject.trim() : `Re: ${subject.trim()}`);

export function Composer({ conversationId, channel, onSent, typing, emailReply, noteOnly = false, templateValues = {}, seenAt }: Props) {
  // A reply goes to the customer; a note stays with the agents (and can mention one of them).
  // Both survive a page refresh (useDraft), until sent.
  const [draft, setDraft] = useDraft(conversationId, noteOnly ? "note" : "reply");
  const { text, mode } = draft;
  const draftRef = useRef(draft);
  draftRef.current = draft;
  const setText = useCallback(
    (next: string | ((current: string) => string)) => {
      const current = draftRef.current;
      draftRef.current = { ...current, text: typeof next === "function" ? next(current.text) : next };
      setDraft(draftRef.current);
    },
    [setDraft],
  );
  const setMode = (next: "reply" | "note") => setDraft({ ...draftRef.current, mode: next });
  const note = mode === "note";
  const { send, sending, error, answeredSince, dismissAnswered } = useSendReply(conversationId, onSent);
  const input = useRef<HTMLTextAreaElement>(null);
  const directory = useAgentDirectory(note);
  const mention = note ? mentionQuery(text) : null;
  const picker = useCannedReplyPicker({ text, setText, channel, values: templateValues, input });
  // A placeholder left in (a canned reply's variable without a value) is never sent raw.
  const unfilled = unfilledVariables(text);

  function insertMention(name: string) {
    setText((current) => current.replace(/@[^@]*$/u, `@${name} `));
    input.current?.focus();
  }

  async function submit(confirmed = false) {
    if (sending || text.trim() === "" || unfilled.length > 0) return;
    const sent = await send(text, mode, { seenAt, ...(confirmed ? { confirmed } : {}) });
    // On failure the text stays, so the agent can fix or retry it.
    if (sent) {
      setText("");
      typing.stop();
    }
    input.current?.focus();
  }

  // A mail is written in paragraphs: there Enter is a new line and Ctrl+Enter (⌘+Enter) sends.
  const isEmail = channel === "email" && !note;
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
    <form className={`composer${note ? " composer--note-mode" : ""}`} onSubmit={onSubmit}>
      {!noteOnly && <div className="composer__modes" role="tablist" aria-label="Reply or note">
        <button type="button" role="tab" aria-selected={!note} className="composer__mode" onClick={() => setMode("reply")} data-testid="composer-mode-reply">
          Reply
        </button>
        <button type="button" role="tab" aria-selected={note} className="composer__mode" onClick={() => setMode("note")} data-testid="composer-mode-note">
          Internal note
        </button>
      </div>}
      {emailReply && !note && (
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
      {answeredSince && (
        <div className="composer__answered" role="alert" data-testid="composer-answered">
          <p>
            <strong>{answeredSince.authorName ?? "Another agent"}</strong> answered this customer by {channelLabel[answeredSince.channel]} at{" "}
            {new Date(answeredSince.createdAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}:
          </p>
          <blockquote dir="auto">{answeredSince.body}</blockquote>
          <div className="composer__answered-actions">
            <button type="button" className="button" onClick={dismissAnswered} data-testid="composer-answered-cancel">
              Keep editing
            </button>
            <button type="button" className="button button--primary" onClick={() => void submit(true)} data-testid="composer-answered-send">
              Send mine anyway
            </button>
          </div>
        </div>
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
            if (!note) typing.announce(); // a note is not news for the customer
          }}
          onKeyDown={onKeyDown}
          placeholder={
            note
              ? "Internal note: only agents see it. @name tells a colleague. (Enter to add)"
              : isEmail
                ? "Reply by Email… (Ctrl+Enter to send)"
                : `Reply by ${channelLabel[channel]}… (Enter to send, Shift+Enter for a new line)`
          }
          aria-label={note ? "Internal note" : "Reply"}
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
          {sending ? "Sending…" : note ? "Add note" : "Send"}
        </button>
      </div>
      {mention !== null && <MentionPicker query={mention} agents={directory} onPick={insertMention} />}
      <ComposerCounter text={text} channel={channel} note={note} />
    </form>
  );
}
