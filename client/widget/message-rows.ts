// Renders the message list into the log element, keyed so a pending bubble turns into the confirmed
// one in place and a re-render never rebuilds (or re-announces) what is already on screen.
import { h, icon, ICONS, setAttr, setText } from "./dom.ts";
import type { DisplayMessage } from "./message-list.ts";

interface Row {
  row: HTMLElement;
  author: HTMLElement;
  bubble: HTMLElement;
  files: HTMLElement;
  /** What `files` was drawn from, so it is rebuilt only when the attachments change. */
  filesDrawn: string;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

export class MessageRows {
  private readonly rows = new Map<string, Row>();

  /**
   * `container` holds the rows after its first `fixedChildren` children (the greeting); attachment
   * URLs may be relative to the Switchboard `origin`.
   */
  constructor(
    private readonly container: HTMLElement,
    private readonly fixedChildren: number,
    private readonly origin: string,
  ) {}

  render(messages: readonly DisplayMessage[]): void {
    const box = this.container;
    const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
    let sentNew = false;
    let anchor: ChildNode | null = box.childNodes[this.fixedChildren - 1] ?? null;
    const keep = new Set<string>();
    messages.forEach((message, i) => {
      keep.add(message.key);
      let entry = this.rows.get(message.key);
      if (!entry) {
        entry = createRow();
        this.rows.set(message.key, entry);
        if (message.from === "visitor") sentNew = true;
      }
      const previous = messages[i - 1];
      // The agent's name heads each run of their messages.
      const showAuthor = message.from === "agent" && (previous?.from !== "agent" || previous.authorName !== message.authorName);
      updateRow(entry, message, showAuthor, this.origin);
      const expected = anchor ? anchor.nextSibling : box.firstChild;
      if (entry.row !== expected) box.insertBefore(entry.row, expected);
      anchor = entry.row;
    });
    for (const [key, entry] of this.rows) {
      if (keep.has(key)) continue;
      entry.row.remove();
      this.rows.delete(key);
    }
    if (nearBottom || sentNew) box.scrollTop = box.scrollHeight;
  }
}

function createRow(): Row {
  const author = h("div", { class: "sb-author" });
  const bubble = h("div", { class: "sb-msg", "data-testid": "sb-message" });
  // Outside the bubble, so a message's text stays exactly its body.
  const files = h("div", { class: "sb-files", hidden: true });
  return { row: h("div", { class: "sb-row" }, author, bubble, files), author, bubble, files, filesDrawn: "[]" };
}

function updateRow(entry: Row, message: DisplayMessage, showAuthor: boolean, origin: string): void {
  const { row, author, bubble } = entry;
  setAttr(row, "data-from", message.from);
  setAttr(bubble, "data-from", message.from);
  setAttr(bubble, "data-pending", String(message.pending));
  setAttr(bubble, "data-client-id", message.clientId);
  setAttr(bubble, "title", message.createdAt ? timeFormat.format(new Date(message.createdAt)) : "Sending…");
  setText(bubble, message.body);
  setText(author, showAuthor ? (message.authorName ?? "Agent") : "");
  author.hidden = !showAuthor;
  bubble.hidden = message.body === "" && (message.attachments.length > 0 || message.fileName !== null);
  setAttr(entry.files, "data-pending", String(message.pending));
  const drawn = JSON.stringify([message.attachments, message.fileName, message.pending]);
  if (drawn !== entry.filesDrawn) {
    entry.filesDrawn = drawn;
    // A file on its way shows by name until the server's link replaces it.
    const files =
      message.pending && message.fileName !== null
        ? [h("span", { class: "sb-file sb-file-pending", "data-testid": "sb-file-pending" }, icon(ICONS.attach), message.fileName)]
        : message.attachments.flatMap((file) => attachmentLink(file, origin, message.attachments.length === 1 ? message.fileName : null) ?? []);
    entry.files.replaceChildren(...files);
    entry.files.hidden = entry.files.childElementCount === 0;
  }
}

/**
 * A link to the file (an image shows as a thumbnail), named when this page sent it; nothing for a
 * URL that is not http(s).
 */
function attachmentLink(file: DisplayMessage["attachments"][number], origin: string, name: string | null): HTMLElement | null {
  let url: URL;
  try {
    url = new URL(file.url, origin);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  const isImage = /^image\/(png|jpe?g|gif|webp)$/i.test(file.contentType);
  const kind = file.contentType.split("/")[1]?.toUpperCase() ?? "file";
  const content = isImage ? h("img", { src: url.href, alt: name ?? "Image attachment", loading: "lazy" }) : (name ?? `Download ${kind} file`);
  return h("a", { class: "sb-file", "data-testid": "sb-attachment", href: url.href, target: "_blank", rel: "noopener noreferrer" }, content);
}
