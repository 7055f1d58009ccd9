// The widget's UI inside its shadow root: a launcher and a chat panel, drawn from WidgetState.
import type { WidgetState } from "./chat-connection.ts";
import { h, icon, ICONS, setText } from "./dom.ts";
import { MessageRows } from "./message-rows.ts";

export interface ChatPanelActions {
  /** The panel was opened (the first time: connect). */
  opened(): void;
  closed(): void;
  /** Returns whether the message was taken (false for an empty one). */
  send(text: string): boolean;
  typed(text: string): void;
  startOver(): void;
  clearError(): void;
}

const MAX_INPUT_HEIGHT = 120;

export class ChatPanel {
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly connection: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly log: HTMLElement;
  private readonly rows: MessageRows;
  private readonly ended: HTMLElement;
  private readonly typing: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly error: HTMLElement;

  constructor(
    private readonly root: ShadowRoot,
    private readonly actions: ChatPanelActions,
    origin: string,
  ) {
    this.connection = h("span", { class: "sb-sr", "data-testid": "sb-connection" }, "connecting");
    const close = h("button", { type: "button", class: "sb-icon-button", "aria-label": "Close chat" }, icon(ICONS.close));
    this.banner = h("div", { class: "sb-banner", role: "status", hidden: true }, "Reconnecting…");
    this.log = h(
      "div",
      { class: "sb-messages", "data-testid": "sb-messages", role: "log", "aria-live": "polite", "aria-label": "Messages", tabindex: "0" },
      h("p", { class: "sb-greeting" }, "Hi! Ask us anything and we will answer here."),
    );
    this.rows = new MessageRows(this.log, 1, origin);
    const again = h("button", { type: "button", class: "sb-link" }, "Start a new chat");
    this.ended = h("div", { class: "sb-ended", "data-testid": "sb-ended", role: "status", hidden: true }, h("span", {}, "The chat has ended"), again);
    this.typing = h("div", { class: "sb-typing", "data-testid": "sb-typing", "aria-live": "polite", hidden: true });
    this.input = h("textarea", { class: "sb-input", "data-testid": "sb-input", "aria-label": "Message", placeholder: "Write a message…", rows: "1", maxlength: "2000" });
    const sendButton = h("button", { type: "submit", class: "sb-send", "data-testid": "sb-send", "aria-label": "Send message" }, icon(ICONS.send));
    const composer = h("form", { class: "sb-composer" }, this.input, sendButton);
    this.error = h("p", { class: "sb-error", "data-testid": "sb-error", role: "alert", hidden: true });
    this.panel = h(
      "div",
      { id: "sb-panel", class: "sb-panel", "data-testid": "sb-panel", role: "dialog", "aria-label": "Chat", hidden: true },
      h("header", { class: "sb-header" }, h("span", { class: "sb-dot", "aria-hidden": "true" }), h("h2", { class: "sb-title" }, "Chat with us"), this.connection, close),
      this.banner,
      this.log,
      this.ended,
      this.typing,
      composer,
      this.error,
    );
    this.badge = h("span", { class: "sb-badge", "aria-hidden": "true", hidden: true });
    this.launcher = h(
      "button",
      { type: "button", class: "sb-launcher", "data-testid": "sb-launcher", "aria-label": "Open chat", "aria-expanded": "false", "aria-controls": "sb-panel" },
      icon(ICONS.chat),
      icon(ICONS.close),
      this.badge,
    );
    root.append(h("div", { class: "sb-root" }, this.panel, this.launcher));

    this.launcher.addEventListener("click", () => this.setOpen(this.panel.hidden));
    close.addEventListener("click", () => this.setOpen(false));
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.setOpen(false);
    });
    composer.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      // Enter sends, Shift+Enter is a new line; never while an IME is composing a character.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => {
      this.autosize();
      this.actions.clearError();
      this.actions.typed(this.input.value);
    });
    again.addEventListener("click", () => {
      this.actions.startOver();
      this.input.focus();
    });
  }

  get isOpen(): boolean {
    return !this.panel.hidden;
  }

  setOpen(open: boolean): void {
    const focusInside = this.root.activeElement !== null && this.panel.contains(this.root.activeElement);
    this.panel.hidden = !open;
    this.launcher.setAttribute("aria-expanded", String(open));
    this.launcher.setAttribute("aria-label", open ? "Close chat" : "Open chat");
    if (open) {
      this.badge.hidden = true;
      this.actions.opened();
      this.input.focus();
    } else {
      this.actions.closed();
      // Focus would be lost with the hidden panel: give it back to the launcher.
      if (focusInside) this.launcher.focus();
    }
  }

  /** An agent wrote while the panel was closed. */
  markUnread(): void {
    if (!this.isOpen) this.badge.hidden = false;
  }

  /** Gives back a message the server refused, unless the visitor is already writing another. */
  restoreInput(text: string): void {
    if (this.input.value.trim()) return;
    this.input.value = text;
    this.autosize();
  }

  render(state: WidgetState): void {
    setText(this.connection, state.status);
    this.panel.dataset.status = state.status;
    this.banner.hidden = state.status !== "reconnecting";
    this.rows.render(state.messages);
    this.ended.hidden = !state.ended;
    this.typing.hidden = state.agentTyping === null;
    setText(this.typing, state.agentTyping === null ? "" : `${state.agentTyping} is typing…`);
    this.error.hidden = state.error === null;
    setText(this.error, state.error ?? "");
  }

  private submit(): void {
    if (!this.actions.send(this.input.value)) return;
    this.input.value = "";
    this.autosize();
    this.input.focus();
  }

  private autosize(): void {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, MAX_INPUT_HEIGHT)}px`;
  }
}
