// The widget's UI inside its shadow root: a launcher and a chat panel, drawn from WidgetState.
import type { WidgetState } from "./chat-connection.ts";
import { h, icon, ICONS, setAttr, setText } from "./dom.ts";
import { MessageRows } from "./message-rows.ts";

export interface ChatPanelActions {
  /** The panel was opened (the first time: connect). */
  opened(): void;
  closed(): void;
  /** Returns whether the message was taken (false for an empty one). */
  send(text: string): boolean;
  sendFile(file: File): void;
  typed(text: string): void;
  startOver(): void;
  /** The visitor ends the chat (while waiting, that leaves the queue). */
  endChat(): void;
  clearError(): void;
  saveProfile(name: string, contact: string): void;
  setLeaveForm(open: boolean): void;
  leaveMessage(email: string, body: string): void;
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
  private readonly endChat: HTMLButtonElement;
  private readonly typing: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly error: HTMLElement;
  private readonly wait: HTMLElement;
  private readonly offer: HTMLElement;
  private readonly offerText: HTMLElement;
  private readonly composer: HTMLFormElement;
  private readonly attach: HTMLButtonElement;
  private readonly file: HTMLInputElement;
  private readonly prechat: HTMLFormElement;
  private readonly prechatName: HTMLInputElement;
  private readonly prechatContact: HTMLInputElement;
  private readonly prechatSubmit: HTMLButtonElement;
  private readonly leave: HTMLFormElement;
  private readonly leaveIntro: HTMLElement;
  private readonly leaveEmail: HTMLInputElement;
  private readonly leaveBody: HTMLTextAreaElement;
  private readonly leaveSend: HTMLButtonElement;
  private readonly leaveBack: HTMLButtonElement;
  private readonly leaveDone: HTMLElement;
  /** Which of composer, pre-chat form and leave form was shown last, to move focus when it changes. */
  private entry: HTMLElement;

  constructor(
    private readonly root: ShadowRoot,
    private readonly actions: ChatPanelActions,
    origin: string,
  ) {
    this.connection = h("span", { class: "sb-sr", "data-testid": "sb-connection" }, "connecting");
    const close = h("button", { type: "button", class: "sb-icon-button", "aria-label": "Close chat" }, icon(ICONS.close));
    this.endChat = h("button", { type: "button", class: "sb-link sb-end", "data-testid": "sb-end", hidden: true }, "End chat");
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
    this.wait = h("p", { class: "sb-wait", "data-testid": "sb-wait", role: "status", hidden: true });
    this.offerText = h("span", {});
    const offerButton = h("button", { type: "button", class: "sb-link", "data-testid": "sb-leave-offer" }, "Leave a message instead");
    this.offer = h("div", { class: "sb-notice", "data-testid": "sb-offer", hidden: true }, this.offerText, offerButton);
    this.input = h("textarea", { class: "sb-input", "data-testid": "sb-input", "aria-label": "Message", placeholder: "Write a message…", rows: "1", maxlength: "2000" });
    this.file = h("input", { type: "file", "data-testid": "sb-file", tabindex: "-1", "aria-hidden": "true", hidden: true });
    this.attach = h("button", { type: "button", class: "sb-attach", "data-testid": "sb-attach", "aria-label": "Attach a file", title: "Attach a file", hidden: true }, icon(ICONS.attach));
    const sendButton = h("button", { type: "submit", class: "sb-send", "data-testid": "sb-send", "aria-label": "Send message" }, icon(ICONS.send));
    this.composer = h("form", { class: "sb-composer" }, this.attach, this.file, this.input, sendButton);

    this.prechatName = h("input", { class: "sb-field", "data-testid": "sb-prechat-name", "aria-label": "Your name", placeholder: "Your name", autocomplete: "name", maxlength: "200" });
    this.prechatContact = h("input", { class: "sb-field", "data-testid": "sb-prechat-contact", "aria-label": "Email or phone number", placeholder: "Email or phone number", autocomplete: "email", maxlength: "320" });
    this.prechatSubmit = h("button", { type: "submit", class: "sb-button", "data-testid": "sb-prechat-submit" }, "Start chat");
    this.prechat = h(
      "form",
      { class: "sb-form", "data-testid": "sb-prechat", novalidate: true, hidden: true },
      h("p", { class: "sb-form-intro" }, "Before we start, tell us how to reach you."),
      this.prechatName,
      this.prechatContact,
      h("div", { class: "sb-form-actions" }, this.prechatSubmit),
    );

    this.leaveIntro = h("p", { class: "sb-form-intro", "data-testid": "sb-closed" });
    this.leaveEmail = h("input", { type: "email", class: "sb-field", "data-testid": "sb-leave-email", "aria-label": "Your email address", placeholder: "Your email address", autocomplete: "email", maxlength: "320" });
    this.leaveBody = h("textarea", { class: "sb-field", "data-testid": "sb-leave-body", "aria-label": "Your message", placeholder: "Your message", rows: "4", maxlength: "5000" });
    this.leaveBack = h("button", { type: "button", class: "sb-link" }, "Back to the chat");
    this.leaveSend = h("button", { type: "submit", class: "sb-button", "data-testid": "sb-leave-send" }, "Send message");
    this.leave = h(
      "form",
      { class: "sb-form", "data-testid": "sb-leave", novalidate: true, hidden: true },
      this.leaveIntro,
      this.leaveEmail,
      this.leaveBody,
      h("div", { class: "sb-form-actions" }, this.leaveBack, this.leaveSend),
    );
    this.leaveDone = h("p", { class: "sb-notice", "data-testid": "sb-leave-done", role: "status", hidden: true });
    this.entry = this.composer;
    this.error = h("p", { class: "sb-error", "data-testid": "sb-error", role: "alert", hidden: true });
    this.panel = h(
      "div",
      { id: "sb-panel", class: "sb-panel", "data-testid": "sb-panel", role: "dialog", "aria-label": "Chat", hidden: true },
      h("header", { class: "sb-header" }, h("span", { class: "sb-dot", "aria-hidden": "true" }), h("h2", { class: "sb-title" }, "Chat with us"), this.connection, this.endChat, close),
      this.banner,
      this.log,
      this.ended,
      this.typing,
      this.wait,
      this.offer,
      this.leaveDone,
      this.composer,
      this.prechat,
      this.leave,
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
    this.endChat.addEventListener("click", () => this.actions.endChat());
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.setOpen(false);
    });
    this.composer.addEventListener("submit", (event) => {
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
    this.attach.addEventListener("click", () => this.file.click());
    this.file.addEventListener("change", () => {
      const chosen = this.file.files?.[0];
      // Cleared, so choosing the same file again is a change too.
      this.file.value = "";
      if (chosen) this.actions.sendFile(chosen);
    });
    this.prechat.addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.prechatSubmit.getAttribute("aria-disabled") !== "true") this.actions.saveProfile(this.prechatName.value, this.prechatContact.value);
    });
    offerButton.addEventListener("click", () => this.actions.setLeaveForm(true));
    this.leaveBack.addEventListener("click", () => this.actions.setLeaveForm(false));
    this.leave.addEventListener("submit", (event) => {
      event.preventDefault();
      this.actions.leaveMessage(this.leaveEmail.value, this.leaveBody.value);
    });
    for (const field of [this.prechatName, this.prechatContact, this.leaveEmail, this.leaveBody]) {
      field.addEventListener("input", () => this.actions.clearError());
    }
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
      this.entry.querySelector<HTMLElement>("input:not([type=file]), textarea")?.focus();
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
    this.endChat.hidden = !state.chatOpen || state.ended;
    this.typing.hidden = state.agentTyping === null;
    setText(this.typing, state.agentTyping === null ? "" : `${state.agentTyping} is typing…`);
    this.error.hidden = state.error === null;
    setText(this.error, state.error ?? "");
    this.renderExtras(state);
  }

  /** Files, the place in line, the pre-chat form and "leave a message". */
  private renderExtras(state: WidgetState): void {
    const active = this.root.activeElement;
    const focusInPanel = active !== null && this.panel.contains(active);
    const closed = state.availability?.open === false;
    const done = state.leave === "done";
    // Out of hours the form takes the composer's place, unless a chat is still going on (an agent may yet answer it).
    const leaving = state.leave === "form" || state.leave === "sending" || (closed && !state.chatOpen && !done);
    const prechat = state.prechat && !leaving;
    const composing = !leaving && !prechat && !(closed && done && !state.chatOpen);

    const uploads = state.uploads;
    this.attach.hidden = !uploads || uploads.types.length === 0 || uploads.maxBytes <= 0;
    if (uploads) this.file.accept = uploads.types.join(",");

    const wait = state.wait;
    this.wait.hidden = wait?.position == null || leaving || done;
    if (wait?.position != null) {
      const minutes = wait.estimateSeconds === null ? null : Math.max(1, Math.round(wait.estimateSeconds / 60));
      setText(this.wait, `You are number ${wait.position} in line${minutes === null ? "" : ` — about ${minutes} min`}`);
    }

    const closedText = state.availability?.message ?? "We are closed right now. Leave a message and we will answer by email.";
    this.offer.hidden = leaving || done || !((closed && state.chatOpen) || state.offerLeave);
    setText(this.offerText, closed ? closedText : "Sorry for the wait: nobody is free to answer yet.");

    this.prechat.hidden = !prechat;
    // aria-disabled, not disabled: a disabled button loses focus, which could then not follow to the next form.
    setAttr(this.prechatSubmit, "aria-disabled", String(state.profileSending));
    this.leave.hidden = !leaving;
    setAttr(this.leaveSend, "aria-disabled", String(state.leave === "sending"));
    // Back to the chat only where there is a chat to go back to.
    this.leaveBack.hidden = closed && !state.chatOpen;
    setText(this.leaveIntro, closed ? closedText : "Leave your email address and your message, and we will answer by email.");
    if (leaving && !this.leaveEmail.value && this.prechatContact.value.includes("@")) this.leaveEmail.value = this.prechatContact.value.trim();
    this.leaveDone.hidden = !done;
    setText(this.leaveDone, `Thank you! We have your message and we will answer by email${state.leftFor ? ` at ${state.leftFor}` : ""}.`);
    this.composer.hidden = !composing;

    const entry = leaving ? this.leave : prechat ? this.prechat : this.composer;
    if (entry !== this.entry) {
      // Focus follows the form that replaced the one the visitor was in; never taken from the host page.
      this.entry = entry;
      if (focusInPanel && !entry.hidden) entry.querySelector<HTMLElement>("input:not([type=file]), textarea")?.focus();
    }
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
