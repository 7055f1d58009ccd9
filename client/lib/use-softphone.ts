// The agent's softphone for React: one Device for the workspace's lifetime, its state, and what the agent can do.
import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { Softphone, initialSoftphoneState, type CallRedirect, type SoftphoneState } from "./softphone.ts";
import { useSocketEvent } from "./use-socket-event.ts";

export interface SoftphoneControls extends SoftphoneState {
  /** Picks up the ringing call. Never automatic: the agent clicks. */
  answer(): void;
  /** Declines the ringing call. */
  reject(): void;
  hangUp(): void;
  toggleMute(): void;
  /** Runs a call control request, warning the softphone what it does to this browser's leg; see Softphone.redirect. */
  redirect<T>(kind: CallRedirect, request: () => Promise<T>): Promise<T>;
}

const noSubscription = () => () => {};
const beforeStart = () => initialSoftphoneState;

export function useSoftphone(): SoftphoneControls {
  // Made in the effect, not during render, so that StrictMode's mount-unmount-mount leaves one live Device.
  const [phone, setPhone] = useState<Softphone | null>(null);
  useEffect(() => {
    const created = new Softphone();
    setPhone(created);
    created.start();
    return () => created.stop();
  }, []);

  // The server forgets the softphone when this workspace's socket has been gone a while: remind it.
  useSocketEvent("connect", () => phone?.reportReadiness());

  const state = useSyncExternalStore(phone?.subscribe ?? noSubscription, phone?.getState ?? beforeStart);
  const actions = useMemo(
    () => ({
      answer: () => phone?.answer(),
      reject: () => phone?.reject(),
      hangUp: () => phone?.hangUp(),
      toggleMute: () => phone?.toggleMute(),
      redirect: <T,>(kind: CallRedirect, request: () => Promise<T>) => (phone ? phone.redirect(kind, request) : request()),
    }),
    [phone],
  );
  return { ...state, ...actions };
}
