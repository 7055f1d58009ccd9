// Typing "/" at the start of a line in the composer offers the canned replies: arrow keys and Enter
// (or a click) put the chosen one in, its variables filled from the conversation; Escape closes.
import { useEffect, useRef, useState, type KeyboardEvent, type RefObject } from "react";
import type { CannedReplyView } from "../../../shared/canned-replies.ts";
import type { Channel } from "../../../shared/domain.ts";
import { fillTemplate, type TemplateValues } from "../../../shared/template-variables.ts";
import { useCannedReplies } from "../../lib/use-canned-replies.ts";

const MAX_SHOWN = 8;

/** The "/query" being typed just before the caret, at the start of a line; null when there is none. */
function slashQuery(text: string, caret: number): { start: number; query: string } | null {
  const match = /(?:^|\n)\/([^\s/]*)$/.exec(text.slice(0, caret));
  return match ? { start: caret - match[1]!.length - 1, query: match[1]! } : null;
}

function matching(replies: CannedReplyView[], query: string): CannedReplyView[] {
  const q = query.toLowerCase();
  const byShortcut = replies.filter((r) => r.shortcut.startsWith(q));
  const byTitle = replies.filter((r) => !r.shortcut.startsWith(q) && r.title.toLowerCase().includes(q));
  return [...byShortcut, ...byTitle].slice(0, MAX_SHOWN);
}

export type PickerOptions = {
  text: string;
  setText: (text: string) => void;
  channel: Channel;
  values: TemplateValues;
  input: RefObject<HTMLTextAreaElement | null>;
};

/** The picker's state for the composer: its keys (true when it used the key) and the list to show. */
export function useCannedReplyPicker({ text, setText, channel, values, input }: PickerOptions) {
  const replies = useCannedReplies(channel);
  const [active, setActive] = useState(0);
  // Escape closes the list until the text changes again.
  const [dismissedAt, setDismissedAt] = useState<string | null>(null);
  const caretAfterInsert = useRef<number | null>(null);

  const found = text === dismissedAt ? null : slashQuery(text, input.current?.selectionStart ?? text.length);
  const shown = found ? matching(replies, found.query) : [];
  const open = shown.length > 0;
  const query = found?.query ?? null;
  useEffect(() => setActive(0), [query]);
  useEffect(() => {
    if (caretAfterInsert.current === null || !input.current) return;
    input.current.setSelectionRange(caretAfterInsert.current, caretAfterInsert.current);
    caretAfterInsert.current = null;
  }, [text, input]);

  function pick(reply: CannedReplyView) {
    if (!found) return;
    const caret = found.start + 1 + found.query.length;
    const filled = fillTemplate(reply.body, values).text;
    caretAfterInsert.current = found.start + filled.length;
    setText(text.slice(0, found.start) + filled + text.slice(caret));
    input.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>): boolean {
    if (!open || event.nativeEvent.isComposing) return false;
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: shown.length - 1 };
    if (event.key in moves) setActive((i) => (i + moves[event.key]!) % shown.length);
    else if (event.key === "Enter" || event.key === "Tab") pick(shown[Math.min(active, shown.length - 1)]!);
    else if (event.key === "Escape") setDismissedAt(text);
    else return false;
    event.preventDefault();
    return true;
  }

  const list = open ? <CannedReplyList replies={shown} active={Math.min(active, shown.length - 1)} onPick={pick} /> : null;
  return { onKeyDown, list, open };
}

type Props = { replies: CannedReplyView[]; active: number; onPick: (reply: CannedReplyView) => void };

export function CannedReplyList({ replies, active, onPick }: Props) {
  return (
    <ul className="canned-picker" role="listbox" aria-label="Canned replies" data-testid="canned-reply-picker">
      {replies.map((reply, i) => (
        <li
          key={reply.id}
          role="option"
          aria-selected={i === active}
          className={i === active ? "canned-picker__item canned-picker__item--active" : "canned-picker__item"}
          data-testid="canned-reply-option"
          data-shortcut={reply.shortcut}
          // mousedown, not click: the textarea keeps its focus and caret.
          onMouseDown={(event) => {
            event.preventDefault();
            onPick(reply);
          }}
        >
          <span className="canned-picker__shortcut">/{reply.shortcut}</span>
          <span className="canned-picker__title">{reply.title}</span>
          <span className="canned-picker__body">{reply.body}</span>
        </li>
      ))}
    </ul>
  );
}
