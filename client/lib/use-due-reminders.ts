// My due reminders, live: a snapshot at start and on every (re)connect, and each reminder that fires
// (the server's "reminder_due" notice) added as it comes. Marking one done takes it off.
import { useCallback, useEffect, useRef, useState } from "react";
import type { ReminderView } from "../../shared/follow-ups.ts";
import { api, errorMessage } from "./api.ts";
import { onRemindersChanged, remindersChanged } from "./reminder-changes.ts";
import { useSocketEvent } from "./use-socket-event.ts";

export interface DueReminders {
  due: ReminderView[];
  error: string | null;
  markDone(reminderId: string): Promise<void>;
}

const byDueTime = (list: ReminderView[]) => [...list].sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt));

export function useDueReminders(): DueReminders {
  const [due, setDue] = useState<ReminderView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const latestRequest = useRef(0);
  // Done here while a snapshot was in flight: not brought back by it.
  const doneIds = useRef(new Set<string>());

  const load = useCallback(async () => {
    const request = ++latestRequest.current;
    try {
      const mine = await api.myReminders();
      if (request !== latestRequest.current) return;
      // A notice that arrived meanwhile stays: the snapshot may have been read before it fired.
      setDue((current) => byDueTime([...mine.due, ...current.filter((r) => !mine.due.some((m) => m.id === r.id))].filter((r) => !doneIds.current.has(r.id))));
      setError(null);
    } catch (failure) {
      if (request === latestRequest.current) setError(errorMessage(failure));
    }
  }, []);

  useEffect(() => {
    void load();
    return onRemindersChanged(() => void load());
  }, [load]);
  useSocketEvent("connect", () => void load());
  useSocketEvent("agent:notice", (notice) => {
    const reminder = notice.kind === "reminder_due" ? notice.reminder : undefined;
    if (!reminder || doneIds.current.has(reminder.id)) return;
    setDue((current) => byDueTime([...current.filter((r) => r.id !== reminder.id), reminder]));
  });

  const markDone = useCallback(async (reminderId: string) => {
    try {
      await api.reminderDone(reminderId);
      doneIds.current.add(reminderId);
      setDue((current) => current.filter((r) => r.id !== reminderId));
      setError(null);
      remindersChanged();
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }, []);

  return { due, error, markDone };
}
