// What the embedding page told the widget: its public key (data-switchboard-key) and, through the
// script's own src, the Switchboard origin to connect to.

export interface EmbedConfig {
  widgetKey: string;
  origin: string;
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
    return { widgetKey, origin: new URL(script.src, document.baseURI).origin };
  } catch {
    return null;
  }
}

/**
 * The signed visitor token, kept per widget key in the host site's localStorage so a reload or a
 * second tab resumes the same conversation. Storage can be blocked (privacy modes): then each page
 * load is a new visitor, which is still a working chat.
 */
export function visitorTokenStore(widgetKey: string): { read(): string | undefined; write(token: string): void } {
  const key = `switchboard:${widgetKey}:visitor`;
  return {
    read() {
      try {
        return localStorage.getItem(key) ?? undefined;
      } catch {
        return undefined;
      }
    },
    write(token) {
      try {
        localStorage.setItem(key, token);
      } catch {
        // Blocked storage: the token still lives in memory for this page (see ChatConnection).
      }
    },
  };
}
