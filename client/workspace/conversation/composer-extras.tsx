// Beside the composer: the length and SMS-segment counter, and the list of colleagues to mention.
import { REPLY_MAX_CHARS } from "../../../shared/api.ts";
import type { Channel } from "../../../shared/domain.ts";
import { smsSegments } from "../../../shared/sms-segments.ts";

export function ComposerCounter({ text, channel, note }: { text: string; channel: Channel; note: boolean }) {
  const max = note ? 5000 : REPLY_MAX_CHARS[channel];
  const over = text.length > max;
  const sms = !note && channel === "sms" ? smsSegments(text) : null;
  return (
    <p className={`composer__counter${over ? " composer__counter--over" : ""}`} data-testid="composer-counter" aria-live="polite">
      {text.length.toLocaleString()} / {max.toLocaleString()}
      {sms && sms.segments > 0 && ` · ${sms.segments} SMS (${sms.encoding}, ${sms.remaining} left in this one)`}
    </p>
  );
}

/** The "@name" being typed at the end of the text, if any. */
export function mentionQuery(text: string): string | null {
  const m = /(?:^|\s)@([\p{L}\p{N}.'-]*(?: [\p{L}\p{N}.'-]*)?)$/u.exec(text);
  return m ? m[1]! : null;
}

export function MentionPicker({ query, agents, onPick }: { query: string; agents: { id: string; name: string }[]; onPick: (name: string) => void }) {
  const q = query.toLowerCase();
  const matches = agents.filter((a) => a.name.toLowerCase().startsWith(q) || a.name.toLowerCase().includes(` ${q}`)).slice(0, 6);
  if (matches.length === 0) return null;
  return (
    <ul className="mention-picker" role="listbox" aria-label="Mention a colleague" data-testid="mention-picker">
      {matches.map((a) => (
        <li key={a.id}>
          <button type="button" role="option" aria-selected="false" onMouseDown={(e) => e.preventDefault()} onClick={() => onPick(a.name)} data-testid="mention-option">
            @{a.name}
          </button>
        </li>
      ))}
    </ul>
  );
}
