// A customer's whole timeline (every conversation and channel), paged backwards and kept live.
import { useCallback, useEffect, useRef, useState } from "react";
import type { MessageView } from "../../shared/api.ts";
import { api, errorMessage } from "./api.ts";
import { agentSocket, unwatchCustomer, watchCustomer } from "./socket.ts";
import { NO_FILTER, filterKey, matchesFilter, type TimelineFilter } from "./timeline-filter.ts";
import { maxChangeSeq, mergeMessages } from "./timeline-merge.ts";
import { useSocketEvent } from "./use-socket-event.ts";

export interface Timeline {
  /** Oldest first: the newest message is last, shown at the bottom. */
  messages: MessageView[];
  status: "idle" | "loading" | "ready" | "error";
  error: string | null;
  hasOlder: boolean;
  loadingOlder: boolean;
  /** Loads the page before the oldest message shown; does nothing while loading or at the start of history. */
  loadOlder(): Promise<void>;
  /** Shows a message this page already holds (e.g. the answer to a send) without waiting for its live event. */
  merge(message: MessageView): void;
  /** Which items are shown (channels, kinds); all by default. */
  filter: TimelineFilter;
  /** Shows only the filter's items: the first page is loaded again with it, and live items outside it are left out. */
  setFilter(filter: TimelineFilter): void;
}

const PAGE_SIZE = 50;
const RETRY_MS = 5_000;

interface ViewState {
  /** The customer and filter this state shows: answers for another are dropped. */
  key: string | null;
  messages: MessageView[];
  status: Timeline["status"];
  error: string | null;
  olderCursor: string | null;
  loadingOlder: boolean;
}

/** Bookkeeping for one customer, outside React state because socket handlers and async steps share it. */
interface Sync {
  customerId: string;
  filter: TimelineFilter;
  key: string;
  /**
   * Catch-up starts here: the highest changeSeq a REST answer vouched for (page or changes).
   * Live events do not move it: a live message with a high changeSeq says nothing about a lower
   * one that was missed (pushed before the watch took effect, or committed late), and messages
   * fetched twice are merged by id anyway.
   */
  syncedSeq: string | null;
  olderCursor: string | null;
  loadingOlder: boolean;
  /** The next first page replaces what is shown (after a merge or its undo moved messages away). */
  replace?: boolean;
  running: boolean;
  again: boolean;
  stopped: boolean;
  retry?: ReturnType<typeof setTimeout>;
}

const viewKey = (customerId: string, filter: TimelineFilter) => `${customerId}|${filterKey(filter)}`;

const emptyState = (key: string | null): ViewState => ({
  key,
  messages: [],
  status: key ? "loading" : "idle",
  error: null,
  olderCursor: null,
  loadingOlder: false,
});

export function useTimeline(customerId: string | null): Timeline {
  // The filter belongs to the customer it was chosen on: another customer opens with everything.
  const [chosen, setChosen] = useState<{ customerId: string | null; filter: TimelineFilter }>({ customerId, filter: NO_FILTER });
  const filter = chosen.customerId === customerId ? chosen.filter : NO_FILTER;
  const currentKey = customerId ? viewKey(customerId, filter) : null;
  const [view, setView] = useState<ViewState>(() => emptyState(currentKey));
  const sync = useRef<Sync | null>(null);

  const update = useCallback((forKey: string, change: (current: ViewState) => ViewState) => {
    setView((current) => (current.key === forKey ? change(current) : current));
  }, []);

  /** Watch first, then fetch: anything stored after the fetch read the database then arrives live. */
  const syncOnce = useCallback(
    async (s: Sync) => {
      const socket = agentSocket();
      if (socket.connected) await watchCustomer(s.customerId).catch(() => {}); // still worth loading by REST
      if (s.stopped) return;
      if (s.syncedSeq === null) {
        const page = await api.timeline(s.customerId, { limit: PAGE_SIZE, filter: s.filter });
        if (s.stopped) return;
        s.syncedSeq = page.changeCursor;
        s.olderCursor = page.olderCursor;
        const replace = s.replace;
        s.replace = false;
        update(s.key, (current) => ({
          ...current,
          messages: replace ? page.messages : mergeMessages(current.messages, page.messages),
          olderCursor: page.olderCursor,
        }));
      } else {
        const changes = await api.timelineChanges(s.customerId, s.syncedSeq, s.filter);
        if (s.stopped) return;
        s.syncedSeq = maxChangeSeq(s.syncedSeq, changes.changeCursor);
        update(s.key, (current) => ({ ...current, messages: mergeMessages(current.messages, changes.messages) }));
      }
      update(s.key, (current) => ({ ...current, status: "ready", error: null }));
    },
    [update],
  );

  /** Runs one sync at a time; a reconnect during a sync runs another right after it. */
  const runSync = useCallback(
    async (s: Sync) => {
      if (s.running) {
        s.again = true;
        return;
      }
      s.running = true;
      clearTimeout(s.retry);
      try {
        do {
          s.again = false;
          await syncOnce(s);
        } while (s.again && !s.stopped);
      } catch (failure) {
        if (s.stopped) return;
        update(s.key, (current) => ({
          ...current,
          status: current.status === "ready" ? "ready" : "error",
          error: errorMessage(failure),
        }));
        s.retry = setTimeout(() => void runSync(s), RETRY_MS);
      } finally {
        s.running = false;
      }
    },
    [syncOnce, update],
  );

  // A new customer or a new filter starts over from the newest page: a cursor belongs to its filter.
  useEffect(() => {
    setView(emptyState(currentKey));
    if (!customerId || !currentKey) return;
    const s: Sync = { customerId, filter, key: currentKey, syncedSeq: null, olderCursor: null, loadingOlder: false, running: false, again: false, stopped: false };
    sync.current = s;
    void runSync(s);
    return () => {
      s.stopped = true;
      clearTimeout(s.retry);
      if (sync.current === s) sync.current = null;
      unwatchCustomer(customerId);
    };
    // `filter` is not a dependency of its own: currentKey names it, and a new object of the same filter changes nothing.
  }, [customerId, currentKey, runSync]);

  // The server forgets our rooms when the connection drops: re-watch and catch up on every (re)connect.
  useSocketEvent("connect", () => {
    if (sync.current) void runSync(sync.current);
  });

  // A merge (or its undo) moved messages to or from this customer: load the timeline afresh.
  useSocketEvent("customer:merged", (event) => {
    const s = sync.current;
    if (!s || (event.sourceId !== s.customerId && event.targetId !== s.customerId)) return;
    s.syncedSeq = null;
    s.replace = true;
    void runSync(s);
  });

  // Live items outside the filter are left out here, as the server leaves them out of the pages.
  const mergeLive = useCallback(
    (message: MessageView) => {
      const s = sync.current;
      if (!s || s.customerId !== message.customerId || !matchesFilter(message, s.filter)) return;
      update(s.key, (current) => ({ ...current, messages: mergeMessages(current.messages, [message]) }));
    },
    [update],
  );
  useSocketEvent("message:new", mergeLive);
  useSocketEvent("message:updated", mergeLive);

  const loadOlder = useCallback(async () => {
    const s = sync.current;
    if (!s || s.loadingOlder || !s.olderCursor) return;
    s.loadingOlder = true;
    update(s.key, (current) => ({ ...current, loadingOlder: true }));
    try {
      const page = await api.timeline(s.customerId, { before: s.olderCursor, limit: PAGE_SIZE, filter: s.filter });
      if (s.stopped) return;
      s.olderCursor = page.olderCursor;
      update(s.key, (current) => ({
        ...current,
        messages: mergeMessages(current.messages, page.messages),
        olderCursor: page.olderCursor,
        error: null,
      }));
    } catch (failure) {
      update(s.key, (current) => ({ ...current, error: errorMessage(failure) }));
    } finally {
      s.loadingOlder = false;
      update(s.key, (current) => ({ ...current, loadingOlder: false }));
    }
  }, [update]);

  const setFilter = useCallback(
    (next: TimelineFilter) => {
      setChosen((current) =>
        current.customerId === customerId && filterKey(current.filter) === filterKey(next) ? current : { customerId, filter: next },
      );
    },
    [customerId],
  );

  const current = view.key === currentKey ? view : emptyState(currentKey);
  return {
    messages: current.messages,
    status: current.status,
    error: current.error,
    hasOlder: current.olderCursor !== null,
    loadingOlder: current.loadingOlder,
    loadOlder,
    merge: mergeLive,
    filter,
    setFilter,
  };
}
