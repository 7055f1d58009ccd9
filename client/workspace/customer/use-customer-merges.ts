// The merges a customer took part in, kept current: reloaded after any merge or undo involving them.
import { useCallback, useEffect, useState } from "react";
import type { MergeRecord } from "../../../shared/merge.ts";
import { api, errorMessage } from "../../lib/api.ts";
import { useSocketEvent } from "../../lib/use-socket-event.ts";

export function useCustomerMerges(customerId: string): { merges: MergeRecord[]; error: string | null; reload: () => void } {
  const [merges, setMerges] = useState<MergeRecord[]>([]);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const { merges: list } = await api.customerMerges(customerId);
      setMerges(list);
      setError(null);
    } catch (failure) {
      setError(errorMessage(failure));
    }
  }, [customerId]);
  useEffect(() => {
    setMerges([]);
    void load();
  }, [load]);
  useSocketEvent("customer:merged", (event) => {
    if (event.sourceId === customerId || event.targetId === customerId) void load();
  });
  useSocketEvent("connect", () => void load());
  return { merges, error, reload: useCallback(() => void load(), [load]) };
}
