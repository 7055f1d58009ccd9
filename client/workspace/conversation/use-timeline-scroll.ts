// Scroll behaviour of the timeline: start at the newest, keep the view still when older pages
// are prepended, follow new messages only when the agent is already reading the bottom.
import { useCallback, useEffect, useLayoutEffect, useRef } from "react";
import type { MessageView } from "../../../shared/api.ts";

const NEAR_BOTTOM_PX = 80;
const NEAR_TOP_PX = 120;

type Options = {
  messages: MessageView[];
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  /** The agent's own new message is always scrolled into view. */
  agentId: string;
};

export function useTimelineScroll({ messages, hasOlder, loadingOlder, onLoadOlder, agentId }: Options) {
  const ref = useRef<HTMLDivElement>(null);
  const nearBottom = useRef(true);
  const previous = useRef<{ first?: string; last?: string; scrollHeight: number }>({ scrollHeight: 0 });

  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const first = messages[0]?.id;
    const lastMessage = messages.at(-1);
    const last = lastMessage?.id;
    const before = previous.current;
    if (before.last === undefined) {
      element.scrollTop = element.scrollHeight;
    } else if (first !== before.first && last === before.last) {
      // Older messages went in above: move down by their height so the same messages stay in view.
      element.scrollTop += element.scrollHeight - before.scrollHeight;
    } else if (nearBottom.current || (last !== before.last && lastMessage?.authorAgentId === agentId)) {
      element.scrollTop = element.scrollHeight;
    }
    previous.current = { first, last, scrollHeight: element.scrollHeight };
  }, [messages, agentId]);

  // A first page shorter than the view cannot be scrolled to the top: load more until it fills.
  useEffect(() => {
    const element = ref.current;
    if (element && hasOlder && !loadingOlder && element.scrollHeight <= element.clientHeight) onLoadOlder();
  }, [messages, hasOlder, loadingOlder, onLoadOlder]);

  const onScroll = useCallback(() => {
    const element = ref.current;
    if (!element) return;
    nearBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < NEAR_BOTTOM_PX;
    if (element.scrollTop < NEAR_TOP_PX && hasOlder && !loadingOlder) onLoadOlder();
  }, [hasOlder, loadingOlder, onLoadOlder]);

  return { ref, onScroll };
}
