// What draws the agent's eye when work arrives: the tab's title counts offers and unread messages; an
// optional sound and an optional desktop notification (each the agent's choice, kept in this browser)
// announce a new offer or a customer's message in one of their conversations.
import { useCallback, useEffect, useRef, useState } from "react";
import type { ConversationView, MessageView, OfferView } from "../../shared/api.ts";
import { channelLabel } from "../../shared/events.ts";
import { useSocketEvent } from "./use-socket-event.ts";

const SETTINGS_KEY = "switchboard:alerts";
export interface AlertSettings {
  sound: boolean;
  desktop: boolean;
}

function readSettings(): AlertSettings {
  try {
    const parsed = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? "{}") as Partial<AlertSettings>;
    return { sound: parsed.sound === true, desktop: parsed.desktop === true };
  } catch {
    return { sound: false, desktop: false };
  }
}

export function useAlertSettings(): [AlertSettings, (next: AlertSettings) => void] {
  const [settings, setSettings] = useState(readSettings);
  const update = useCallback((next: AlertSettings) => {
    setSettings(next);
    try {
      localStorage.setItem(SETTINGS_KEY, JSON.stringify(next));
    } catch {
      // kept for this page only
    }
  }, []);
  return [settings, update];
}

export function tabTitle(offers: number, unread: number): string {
  const waiting = offers + unread;
  return waiting > 0 ? `(${waiting}) Switchboard` : "Switchboard";
}

/** Two short tones: no sound file to ship or to fail loading. */
function chime(): void {
  const AudioContextClass = window.AudioContext ?? (window as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!AudioContextClass) return;
  const audio = new AudioContextClass();
  [880, 1175].forEach((frequency, i) => {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.15, audio.currentTime + i * 0.15);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + i * 0.15 + 0.14);
    tone.connect(gain).connect(audio.destination);
    tone.start(audio.currentTime + i * 0.15);
    tone.stop(audio.currentTime + i * 0.15 + 0.15);
  });
  setTimeout(() => void audio.close(), 600);
}

function notify(title: string, body: string, tag: string): void {
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  const notification = new Notification(title, { body, tag });
  notification.onclick = () => {
    window.focus();
    notification.close();
  };
}

export interface Announcement {
  kind: "offer" | "message";
  title: string;
  body: string;
  conversationId: string;
}

/** Keeps the tab title current and announces new offers and customer messages as the agent chose. */
export function useAttention(opts: { offers: OfferView[]; conversations: ConversationView[]; openConversationId: string | null; settings: AlertSettings }): Announcement | null {
  const { offers, conversations, openConversationId, settings } = opts;
  const unread = conversations.reduce((sum, c) => sum + (c.unreadCount ?? 0), 0);
  useEffect(() => {
    document.title = tabTitle(offers.length, unread);
  }, [offers.length, unread]);

  const mine = useRef(new Map<string, ConversationView>());
  mine.current = new Map(conversations.map((c) => [c.id, c]));
  const announced = useRef(new Set<string>());
  const [last, setLast] = useState<Announcement | null>(null);

  const announce = useCallback(
    (key: string, announcement: Announcement) => {
      if (announced.current.has(key)) return;
      announced.current.add(key);
      setLast(announcement);
      if (settings.sound) chime();
      // A notification is for an agent looking elsewhere; in the open tab the list and title say it.
      if (settings.desktop && document.visibilityState !== "visible") notify(announcement.title, announcement.body, announcement.conversationId);
    },
    [settings],
  );

  useSocketEvent("offer:new", (offer: OfferView) => {
    if (offer.status !== "pending") return;
    const who = offer.conversation.customer.displayName ?? "A customer";
    announce(`offer:${offer.id}`, { kind: "offer", title: `New ${channelLabel[offer.channel]} offer`, body: who, conversationId: offer.conversation.id });
  });
  useSocketEvent("message:new", (message: MessageView) => {
    if (message.direction !== "inbound") return;
    const conversation = mine.current.get(message.conversationId);
    if (!conversation) return;
    if (message.conversationId === openConversationId && document.visibilityState === "visible") return;
    const who = conversation.customer.displayName ?? "Customer";
    announce(`message:${message.id}`, { kind: "message", title: `${who} (${channelLabel[message.channel]})`, body: message.body.slice(0, 120), conversationId: message.conversationId });
  });
  return last;
}
