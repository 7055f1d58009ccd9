// How the board writes durations, shares and names.
import type { Channel } from "../../shared/domain.ts";

export const CHANNEL_LABEL: Record<Channel, string> = { sms: "SMS", voice: "Voice", email: "Email", chat: "Chat" };

/** 45 s, 3:07, 1 h 02 */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  const h = Math.floor(s / 3600);
  return `${h} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}`;
}

export const since = (iso: string | null, now: number) => (iso ? duration(now - Date.parse(iso)) : "—");

export function share(met: number, counted: number): string {
  return counted ? `${Math.round((met / counted) * 100)}%` : "—";
}

export const PRESENCE_LABEL: Record<string, string> = {
  available: "Available", away: "Away", busy: "Busy", wrap_up: "Wrap-up", offline: "Offline",
};
