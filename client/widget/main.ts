// The chat widget a business embeds with
//   <script src="https://<switchboard>/widget.js" data-switchboard-key="<public key>" async></script>
// (optionally with data-identity-kind/-value/-hmac for a signed-in visitor, data-prechat="true").
// It lives in an open shadow root, so the host page's CSS cannot reach it and its own CSS cannot
// leak out; it is bundled as an IIFE and defines no globals.
import { ChatConnection } from "./chat-connection.ts";
import { ChatPanel } from "./chat-panel.ts";
import { readEmbedConfig, stored, visitorTokenStore, type EmbedConfig } from "./embed-config.ts";
import css from "./widget.css?inline";

const HOST_ATTRIBUTE = "data-switchboard-widget";

function mount({ widgetKey, origin, identity, prechat }: EmbedConfig): void {
  // A page that pastes the snippet twice still gets one widget.
  if (document.querySelector(`[${HOST_ATTRIBUTE}]`)) return;
  const host = document.createElement("div");
  host.setAttribute(HOST_ATTRIBUTE, "");
  const root = host.attachShadow({ mode: "open" });
  adoptStyles(root, css);

  // Open state per tab, so a reload keeps an open chat open.
  const openKey = `switchboard:${widgetKey}:open`;
  const tokens = visitorTokenStore(widgetKey, identity);
  let panel: ChatPanel | undefined;
  const connection = new ChatConnection({
    origin,
    widgetKey,
    tokens,
    identity,
    prechat,
    profileStore: stored(`switchboard:${widgetKey}:profile`),
    onChange: (state) => panel?.render(state),
    onAgentMessage: () => panel?.markUnread(),
    onRejected: (body) => panel?.restoreInput(body),
  });
  panel = new ChatPanel(root, {
    opened: () => {
      remember(openKey, true);
      connection.connect();
      syncSeen();
    },
    closed: () => {
      remember(openKey, false);
      syncSeen();
    },
    send: (text) => connection.send(text),
    sendFile: (file) => void connection.sendFile(file),
    typed: (text) => connection.visitorTyped(text),
    startOver: () => connection.startOver(),
    endChat: () => connection.endChat(),
    clearError: () => connection.clearError(),
    saveProfile: (name, contact) => connection.saveProfile(name, contact),
    setLeaveForm: (open) => connection.setLeaveForm(open),
    leaveMessage: (email, body) => connection.leaveMessage(email, body),
  }, origin);
  // Replies count as read only while the visitor can see them.
  const syncSeen = () => connection.setSeen(panel?.isOpen === true && document.visibilityState === "visible");
  document.addEventListener("visibilitychange", syncSeen);
  panel.render(connection.state());
  document.body.append(host);

  // A returning visitor connects at once (an answer may be waiting); a first-time one on first open,
  // so a site's every page view does not open a socket.
  if (recall(openKey)) panel.setOpen(true);
  else if (tokens.read()) connection.connect();
}

/** Constructed sheets are not inline styles, so a host page's strict CSP (style-src) does not block them. */
function adoptStyles(root: ShadowRoot, text: string): void {
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet.prototype.replaceSync === "function") {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    root.adoptedStyleSheets = [sheet];
  } else {
    const style = document.createElement("style");
    style.textContent = text;
    root.append(style);
  }
}

function remember(key: string, open: boolean): void {
  try {
    if (open) sessionStorage.setItem(key, "1");
    else sessionStorage.removeItem(key);
  } catch {
    // Storage blocked: the panel just starts closed after a reload.
  }
}

function recall(key: string): boolean {
  try {
    return sessionStorage.getItem(key) === "1";
  } catch {
    return false;
  }
}

const config = readEmbedConfig();
if (!config) {
  console.warn("Switchboard chat: the widget script needs a data-switchboard-key attribute");
} else if (document.body) {
  mount(config);
} else {
  // An async script in <head> can run before <body> exists.
  document.addEventListener("DOMContentLoaded", () => mount(config), { once: true });
}
