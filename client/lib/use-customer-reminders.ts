// One customer's open reminders (anyone's), reloaded when one of them fires for me, and the calls that
// set, finish and cancel them.
import { useCallback, useEffect, useRef, useState } from "react";
import type { CreateReminderBody, ReminderView } from "../../shared/follow-ups.ts";
import { api, errorMessage } from "./api.ts";
import { onRemindersChanged, remindersChanged } from "./reminder-changes.ts";
import { useSocketEvent } from "./use-socket-event.ts";

export interface CustomerReminders {
  reminders: ReminderView[];
  error: string | null;
  /** Throws the ApiError (a past time, a note too long). */
  create(body: CreateReminderBody): Promise<void>;
  markDone(reminderId: string): Promise<void>;
  cancel(reminderId: string): Promise<void>;
}

export function useCustomerReminders(customerId: string): CustomerReminders {
  const [reminders, setReminders] = useState<ReminderView[]>([]);
  const [error, setError] = useState<string | null>(null);
  const latestRequest = useRef(0);

  const load = useCallback(async () => {
    const request = ++latestRequest.current;
    try {
      const { reminders: list } = await api.customerReminders(customerId);
      if (request !== latestRequest.current) return;
      setReminders(list);
      setError(null);
    } catch (failure) {
      if (request === latestRequest.current) setError(errorMessage(failure));
    }
  }, [customerId]);

  useEffect(() => {
    setReminders([]);
    void load();
    return onRemindersChanged(() => void load());
  }, [load]);
  useSocketEvent("connect", () => void load());
  useSocketEvent("agent:notice", (notice) => {
    if (notice.kind === "reminder_due" && notice.reminder?.customer.id === customerId) void load();
  });

  const act = useCallback(
    async (fn: () => Promise<unknown>) => {
      try {
        await fn();
        setError(null);
        remindersChanged();
      } catch (failure) {
        setError(errorMessage(failure));
        await load();
      }
    },
    [load],
  );

  const create = useCallback(
    async (body: CreateReminderBody) => {
      await api.createReminder(body);
      remindersChanged();
    },
    [load],
  );

  return {
    reminders,
    error,
    create,
    markDone: (id) => act(() => api.reminderDone(id)),
    cancel: (id) => act(() => api.cancelReminder(id)),
  };
}
