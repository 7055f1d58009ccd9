// An email's stored (sanitized) HTML made into the document the workspace shows in a sandboxed frame:
// inline cid: images become our signed file links, remote images stay off until the agent asks, and the
// document's head is ours. This is presentation, not sanitizing: the sanitizer ran when the mail was
// stored, and the frame's sandbox and CSP (server/http/email-content-routes.ts) stop what it missed.
import { DomUtils, parseDocument } from "htmlparser2";
import type { ChildNode, Element } from "domhandler";
import type pg from "pg";
import { AppError } from "../../errors.ts";
import { assertCan, type Actor } from "../auth/permissions.ts";
import { attachmentUrl } from "../chat/attachments.ts";

export interface EmailHtmlOptions {
  /** Our signed link for an inline part by its Content-ID; null when the mail kept no such part. */
  inlineImageUrl: (contentId: string) => string | null;
  /** The agent asked to load the remote images (data-remote-src). */
  remoteImages: boolean;
}

const READABLE_STYLE = `
html { color-scheme: light; }
body { margin: 12px 14px; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1d2330; background: #fff; overflow-wrap: anywhere; }
img { max-width: 100%; height: auto; }
table { max-width: 100%; border-collapse: collapse; }
pre { white-space: pre-wrap; }
a { color: #2f5bea; }
blockquote { margin: 6px 0 6px 4px; padding-left: 10px; border-left: 3px solid #dfe2e7; color: #4a5365; }
details.sb-quoted { margin-top: 14px; color: #4a5365; }
details.sb-quoted > summary { cursor: pointer; color: #2f5bea; font-size: 13px; }
img.sb-missing-image { display: inline-block; min-width: 24px; min-height: 16px; border: 1px dashed #c3c8d1; color: #667085; font-size: 12px; }
`;

/** "<abc@x>", "abc@x" and the URL-encoded form of a cid: URL (RFC 2392) name the same part. */
export function normalizeContentId(value: string): string {
  let id = value.trim();
  try {
    id = decodeURIComponent(id);
  } catch {
    // A stray "%" is kept as it is: Content-IDs are compared as written then.
  }
  return id.replace(/^<|>$/g, "").trim().toLowerCase();
}

function httpUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

function rewriteImage(img: Element, opts: EmailHtmlOptions): void {
  const src = (img.attribs.src ?? "").trim();
  // srcset would load images our src rules never saw.
  delete img.attribs.srcset;
  if (/^cid:/i.test(src)) {
    const url = opts.inlineImageUrl(normalizeContentId(src.slice(4)));
    if (url) img.attribs.src = url;
    else markMissing(img, "Inline image not kept");
  } else if (!/^data:image\//i.test(src)) {
    // A remote src the sanitizer should have parked in data-remote-src: never loaded from here.
    delete img.attribs.src;
  }
  const remote = httpUrl(img.attribs["data-remote-src"]);
  if (opts.remoteImages && remote && !img.attribs.src) img.attribs.src = remote;
}

function markMissing(img: Element, text: string): void {
  delete img.attribs.src;
  img.attribs.alt ||= text;
  img.attribs.class = `${img.attribs.class ?? ""} sb-missing-image`.trim();
}

// The head is ours: a mail's <meta> (refresh, charset), <base> and stylesheet links are not its to set.
// (Chromium already ignores a meta refresh in a sandboxed frame; this does not rely on it.)
const DROPPED = new Set(["meta", "base", "title", "link"]);
// The mail's own document wrappers are unwrapped, so its content sits inside our body.
const UNWRAPPED = new Set(["html", "head", "body"]);

function rewrite(nodes: ChildNode[], opts: EmailHtmlOptions): ChildNode[] {
  const out: ChildNode[] = [];
  for (const node of nodes) {
    if (!DomUtils.isTag(node)) {
      out.push(node);
      continue;
    }
    const name = node.name.toLowerCase();
    if (DROPPED.has(name)) continue;
    if (UNWRAPPED.has(name)) {
      out.push(...rewrite(node.children, opts));
      continue;
    }
    if (name === "img") rewriteImage(node, opts);
    if (name === "a") node.attribs.rel = "noopener noreferrer";
    const children = rewrite(node.children, opts);
    node.children = children;
    for (const child of children) child.parent = node;
    out.push(node);
  }
  return out;
}

/** The whole document for the frame. */
export function emailHtmlDocument(html: string, opts: EmailHtmlOptions): string {
  const body = DomUtils.getOuterHTML(rewrite(parseDocument(html).children, opts));
  return (
    `<!doctype html><html><head><meta charset="utf-8"><base target="_blank">` +
    `<meta name="referrer" content="no-referrer"><style>${READABLE_STYLE}</style></head><body>${body}</body></html>`
  );
}

export interface EmailHtmlDeps {
  pool: pg.Pool;
  publicUrl: string;
  sessionSecret: string;
}

/** An email message's HTML as a document; NOT_FOUND for an unknown message or one without HTML. */
export async function readEmailHtml(deps: EmailHtmlDeps, actor: Actor, opts: { messageId: string; remoteImages: boolean }): Promise<string> {
  // Reading is open to every signed-in agent (no department an island).
  assertCan(actor, "conversation.read");
  const { rows } = await deps.pool.query<{ html: string | null }>(`SELECT html FROM email_contents WHERE message_id = $1`, [opts.messageId]);
  const html = rows[0]?.html;
  if (html == null) throw new AppError("NOT_FOUND", "This message has no HTML");
  const parts = await deps.pool.query<{ id: string; content_id: string }>(
    `SELECT id, content_id FROM attachments WHERE message_id = $1 AND content_id IS NOT NULL ORDER BY created_at, id`,
    [opts.messageId],
  );
  const byContentId = new Map<string, string>();
  for (const part of parts.rows) {
    const key = normalizeContentId(part.content_id);
    if (!byContentId.has(key)) byContentId.set(key, part.id);
  }
  return emailHtmlDocument(html, {
    remoteImages: opts.remoteImages,
    inlineImageUrl: (contentId) => {
      const id = byContentId.get(contentId);
      return id ? attachmentUrl(deps.publicUrl, deps.sessionSecret, id) : null;
    },
  });
}
