// What the embedding page told the widget: its public key (data-switchboard-key), through the
// script's own src the Switchboard origin to connect to, and optionally a signed-in visitor
// (data-identity-kind, -value, -hmac) and the pre-chat form (data-prechat="true").
import type { ChatHandshake } from "../../shared/chat.ts";

export type VisitorIdentity = NonNullable<ChatHandshake["identity"]>;

export interface EmbedConfig {
  widgetKey: string;
  origin: string;
  /** Sent in the handshake only when all three attributes are present. */
  identity: VisitorIdentity | undefined;
  prechat: boolean;
}

export function readEmbedConfig(): EmbedConfig | null {
  // currentScript is set while a classic (also async) script first runs; the selector covers the rest.
  const current = document.currentScript;
  const script =
    current instanceof HTMLScriptElement && current.dataset.switchboardKey
      ? current
      : document.querySelector<HTMLScriptElement>("script[data-switchboard-key]");
  const widgetKey = script?.dataset.switchboardKey?.trim();
  if (!script || !widgetKey) return null;
  try {
    return { widgetKey, origin: new URL(script.src, document.baseURI).origin, identity: readIdentity(script.dataset), prechat: script.dataset.prechat === "true" };
  } catch {
    return null;
  }
}

function readIdentity(data: DOMStringMap): VisitorIdentity | undefined {
  const kind = data.identityKind?.trim();
  // The value is passed exactly as given: the site signed that exact string.
  const value = data.identityValue;
  const hmac = data.identityHmac?.trim();
  if (!kind || !value || !hmac) return undefined;
  if (kind !== "email" && kind !== "phone") {
    console.warn(`Switchboard chat: data-identity-kind must be "email" or "phone", not "${kind}"; chatting without an identity`);
    return undefined;
  }
  return { kind, value, hmac };
}

export interface Stored {
  read(): string | undefined;
  write(value: string): void;
}

/** One value in the host site's localStorage; storage can be blocked (privacy modes), then nothing is kept. */
export function stored(key: string): Stored {
  return {
    read() {
      try {
        return localStorage.getItem(key) ?? undefined;
      } catch {
        return undefined;
      }
    },
    write(value) {
      try {
        localStorage.setItem(key, value);
      } catch {
        // Blocked storage: the value still lives in memory where it is needed (see ChatConnection).
      }
    },
  };
}

/**
 * The signed visitor token, kept per widget key in the host site's localStorage so a reload or a
 * second tab resumes the same conversation. Storage can be blocked (privacy modes): then each page
 * load is a new visitor, which is still a working chat.
 *
 * A token is remembered with whom it was used for. One used by a signed-in visitor is not reused by
 * somebody else (another user, or nobody signed in) on the same browser: they would see that
 * person's conversation. An anonymous visitor's token is kept when they sign in, so their chat
 * joins their record.
 */
export function visitorTokenStore(widgetKey: string, identity: VisitorIdentity | undefined): Stored {
  const token = stored(`switchboard:${widgetKey}:visitor`);
  const owner = stored(`switchboard:${widgetKey}:visitor-owner`);
  const me = identity ? fingerprint(`${identity.kind}:${identity.value}`) : "";
  return {
    read() {
      const of = owner.read() ?? "";
      return of === "" || of === me ? token.read() : undefined;
    },
    write(value) {
      token.write(value);
      owner.write(me);
    },
  };
}

/** FNV-1a: tells two identities apart without keeping the email or phone itself in storage. */
function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16);
}
