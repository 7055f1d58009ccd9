// One action at a time from a board control: whether it runs, and the error it ended with (shown by the control).
import { useCallback, useState } from "react";
import { ApiError, errorMessage } from "../lib/api.ts";

export interface BoardAction {
  busy: boolean;
  error: string | null;
  /** The failure's code and details, for controls that offer a way on (force past capacity). */
  failure: ApiError | null;
  run(action: () => Promise<unknown>, onDone?: () => void): Promise<void>;
  clear(): void;
}

export function useBoardAction(): BoardAction {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const run = useCallback(async (action: () => Promise<unknown>, onDone?: () => void) => {
    setBusy(true);
    setFailure(null);
    try {
      await action();
      onDone?.();
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  }, []);
  const clear = useCallback(() => setFailure(null), []);
  return { busy, error: failure ? errorMessage(failure) : null, failure: failure instanceof ApiError ? failure : null, run, clear };
}
