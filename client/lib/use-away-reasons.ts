// The away reasons an agent can pick (break, lunch, …), loaded once per signed-in workspace.
import { useEffect, useState } from "react";
import type { AwayReasonView } from "../../shared/api.ts";
import { api } from "./api.ts";

export function useAwayReasons(): AwayReasonView[] {
  const [reasons, setReasons] = useState<AwayReasonView[]>([]);
  useEffect(() => {
    let stopped = false;
    // Without the list the agent can still go away, just without a reason: no error to show.
    api.awayReasons().then((r) => !stopped && setReasons(r.awayReasons), () => {});
    return () => {
      stopped = true;
    };
  }, []);
  return reasons;
}
