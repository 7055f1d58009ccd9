// The agent's softphone for React: one Device for the workspace's lifetime, its state, and what the agent can do.
import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { Softphone, initialSoftphoneState, type SoftphoneState } from "./softphone.ts";

export interface SoftphoneControls extends SoftphoneState {
  /** Picks up the ringing call. Never automatic: the agent clicks. */
  answer(): void;
  /** Declines the ringing call. */
  reject(): void;
  hangUp(): void;
  toggleMute(): void;
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

  const state = useSyncExternalStore(phone?.subscribe ?? noSubscription, phone?.getState ?? beforeStart);
  const actions = useMemo(
    () => ({
      answer: () => phone?.answer(),
      reject: () => phone?.reject(),
      hangUp: () => phone?.hangUp(),
      toggleMute: () => phone?.toggleMute(),
    }),
    [phone],
  );
  return { ...state, ...actions };
}
