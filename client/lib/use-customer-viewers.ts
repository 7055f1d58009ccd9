// Who else has this customer open right now (the server tells everyone watching, on every change).
import { useState } from "react";
import { useSocketEvent } from "./use-socket-event.ts";

export function useCustomerViewers(customerId: string | null, selfId: string): { agentId: string; name: string }[] {
  const [viewers, setViewers] = useState<{ customerId: string; list: { agentId: string; name: string }[] } | null>(null);
  useSocketEvent("customer:viewers", (event) => {
    if (event.customerId === customerId) setViewers({ customerId, list: event.viewers });
  });
  if (!viewers || viewers.customerId !== customerId) return [];
  return viewers.list.filter((v) => v.agentId !== selfId);
}
