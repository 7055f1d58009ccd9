// The agents a call can be transferred to, fetched when the transfer menu opens (presence changes too
// often to keep a list warm for a menu that is rarely opened).
import { useEffect, useState } from "react";
import type { TransferTarget } from "../../shared/api.ts";
import { api, errorMessage } from "./api.ts";

export interface TransferTargets {
  status: "loading" | "ready" | "error";
  agents: TransferTarget[];
  error: string | null;
}

export function useTransferTargets(): TransferTargets {
  const [state, setState] = useState<TransferTargets>({ status: "loading", agents: [], error: null });
  useEffect(() => {
    let current = true;
    api.transferTargets().then(
      ({ agents }) => current && setState({ status: "ready", agents, error: null }),
      (failure: unknown) => current && setState({ status: "error", agents: [], error: errorMessage(failure) }),
    );
    return () => {
      current = false;
    };
  }, []);
  return state;
}
