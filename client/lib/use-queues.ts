// The queues a conversation can be moved to, loaded once per signed-in workspace.
import { useEffect, useState } from "react";
import type { QueueView } from "../../shared/queues.ts";
import { api } from "./api.ts";

export function useQueues(): QueueView[] {
  const [queues, setQueues] = useState<QueueView[]>([]);
  useEffect(() => {
    let stopped = false;
    // Without the list the move control is simply not offered: nothing else depends on it.
    api.queues().then((r) => !stopped && setQueues(r.queues), () => {});
    return () => {
      stopped = true;
    };
  }, []);
  return queues;
}
