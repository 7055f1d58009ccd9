// HTML from a customer's mail, made safe to show an agent (who also sees it in a sandboxed iframe
// with a CSP: this is the first wall, not the only one). An allow-list: tables, text formatting,
// links that open elsewhere, and images that are either ours (cid:, small data: images) or
// remote ones parked in data-remote-src so that nothing is fetched until the agent asks.
import sanitizeHtml from "sanitize-html";
import { collapseQuotedHistory, QUOTE_MARKER } from "./quoted-html.ts";

const CELL_ATTRIBUTES = ["colspan", "rowspan", "align", "valign", "width", "bgcolor"];
const DATA_IMAGE = /^data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]*$/i;

// Values are matched whole; none admits "(" except rgb()/rgba(), so no url(), expression() or var().
const LENGTH = String.raw`(?:0|-?\d*\.?\d+(?:px|em|rem|%|pt|pc|ex|ch|cm|mm|in|vw|vh)?|auto)`;
const COLOR = String.raw`(?:#[0-9a-f]{3,8}|[a-z]{3,20}|rgba?\(\s*[\d.%]+\s*,\s*[\d.%]+\s*,\s*[\d.%]+\s*(?:,\s*[\d.%]+\s*)?\))`;
const lengths = new RegExp(String.raw`^${LENGTH}(?:\s+${LENGTH}){0,3}$`, "i");
const color = new RegExp(`^${COLOR}$`, "i");
const border = new RegExp(String.raw`^(?:(?:${LENGTH}|${COLOR}|none|solid|dotted|dashed|double|hidden)\s*){1,3}$`, "i");
const SAFE_STYLES: Record<string, RegExp[]> = {
  color: [color],
  "background-color": [color],
  "font-weight": [/^(normal|bold|bolder|lighter|[1-9]00)$/i],
  "font-style": [/^(normal|italic|oblique)$/i],
  "text-align": [/^(left|right|center|justify|start|end)$/i],
  "text-decoration": [/^(none|underline|overline|line-through)(\s+(solid|double|dotted|dashed|wavy))?$/i],
  "font-size": [lengths, /^(xx-small|x-small|small|medium|large|x-large|xx-large|smaller|larger)$/i],
  padding: [lengths],
  margin: [lengths],
  border: [border],
  width: [lengths],
};

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "br", "p", "div", "span", "h1", "h2", "h3", "h4", "h5", "h6",
    "ul", "ol", "li", "blockquote", "pre", "code", "b", "i", "u", "s", "strong", "em", "small", "sub", "sup", "hr", "a", "img",
  ],
  allowedAttributes: {
    "*": ["style"],
    table: ["align", "width", "bgcolor", "border", "cellpadding", "cellspacing"],
    tr: ["align", "valign", "bgcolor"],
    td: CELL_ATTRIBUTES,
    th: CELL_ATTRIBUTES,
    a: ["href", "title", "rel", "target"],
    img: ["src", "data-remote-src", "alt", "title", "width", "height"],
    div: [QUOTE_MARKER],
    blockquote: [QUOTE_MARKER],
  },
  allowedStyles: { "*": SAFE_STYLES },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["cid", "http", "https", "data"] },
  allowedSchemesAppliedToAttributes: ["href", "src"],
  allowProtocolRelative: false,
  // Their text is code or markup, not message: drop it with the element.
  nonTextTags: ["script", "style", "textarea", "option", "xmp", "noscript", "noembed", "noframes", "template", "title", "head", "svg", "math", "iframe", "object"],
  transformTags: {
    a: (tagName, attribs) => {
      const href = absoluteUrl(attribs.href, ["http:", "https:", "mailto:"]);
      const out: sanitizeHtml.Attributes = { rel: "noopener noreferrer", target: "_blank" };
      if (href) out.href = href;
      if (attribs.title) out.title = attribs.title;
      return { tagName, attribs: out };
    },
    img: (tagName, attribs) => {
      const { src = "", ["data-remote-src"]: _ignored, srcset: _srcset, ...rest } = attribs;
      const value = src.replace(/[\u0000-\u0020]+/g, "");
      const out: sanitizeHtml.Attributes = { ...rest };
      const remote = absoluteUrl(value, ["http:", "https:"]);
      if (/^cid:[^\s"'<>]+$/i.test(value)) out.src = value;
      else if (DATA_IMAGE.test(value)) out.src = value;
      else if (remote) out["data-remote-src"] = remote;
      return { tagName, attribs: out };
    },
    div: (tagName, attribs) => ({ tagName, attribs: withQuoteMarker(attribs, quoteKindOfDiv(attribs)) }),
    blockquote: (tagName, attribs) => ({
      tagName,
      attribs: withQuoteMarker(attribs, attribs.type?.toLowerCase() === "cite" || /\bgmail_quote\b/.test(attribs.class ?? "") ? "element" : null),
    }),
  },
};

/** The allow-listed, safe HTML of a mail, with quoted history folded into <details class="sb-quoted">. */
export function sanitizeEmailHtml(html: string): string {
  // htmlparser2 is quadratic in the nesting depth (600k nested <b> take minutes): such HTML is shown as text.
  if (exceedsNestingDepth(html, MAX_NESTING_DEPTH)) return `<pre>${escapeText(stripTags(html))}</pre>`;
  return collapseQuotedHistory(sanitizeHtml(html, OPTIONS));
}

function quoteKindOfDiv(attribs: sanitizeHtml.Attributes): "element" | "rest" | null {
  if (/\bgmail_quote\b/.test(attribs.class ?? "") || /\byahoo_quoted\b/.test(attribs.class ?? "")) return "element";
  // Outlook puts the "From: … Sent: …" block in div#divRplyFwdMsg; the quoted mail follows it as siblings.
  if (attribs.id === "divRplyFwdMsg" || attribs.id === "appendonsend") return "rest";
  return null;
}

/** Our marker only: whatever the sender wrote in that attribute is dropped. */
function withQuoteMarker(attribs: sanitizeHtml.Attributes, kind: string | null): sanitizeHtml.Attributes {
  const { [QUOTE_MARKER]: _ignored, ...rest } = attribs;
  return kind ? { ...rest, [QUOTE_MARKER]: kind } : rest;
}

/** The URL when it is absolute with one of the protocols (control characters and spaces removed first, as browsers do). */
function absoluteUrl(value: string | undefined, protocols: string[]): string | null {
  if (!value) return null;
  const cleaned = value.replace(/[\u0000-\u0020\u007f]+/g, "");
  if (!/^[a-z][a-z0-9+.-]*:/i.test(cleaned)) return null;
  try {
    const url = new URL(cleaned);
    return protocols.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

const BLOCK_END = /<\/(p|div|tr|h[1-6]|li|blockquote|table|pre)\s*>|<br\s*\/?>/gi;

/** Plain text of an HTML body, for a mail with no text part (and for search). */
export function htmlToText(html: string): string {
  const marked = html.replace(BLOCK_END, (tag) => `${tag}\n`);
  const text = exceedsNestingDepth(marked, MAX_NESTING_DEPTH)
    ? escapeText(stripTags(marked))
    : sanitizeHtml(marked, { allowedTags: [], allowedAttributes: {}, nonTextTags: OPTIONS.nonTextTags! });
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&nbsp;|\u00a0/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/[ \t]+/g, " ")
    .replace(/ *\n */g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Chrome's own parser flattens anything deeper than 512; real mail stays far below. */
const MAX_NESTING_DEPTH = 512;
const VOID_OR_SELF_ENDING = new Set(["br", "hr", "img", "wbr", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "param", "p", "li", "dt", "dd", "tr", "td", "th", "option", "thead", "tbody", "tfoot"]);

/**
 * Whether elements nest deeper than `max`, in one linear pass that follows what htmlparser2 keeps on
 * its stack (as mailparser's own guard does): an end tag closes down to its open element, elements
 * that never nest (void ones, and those a sibling closes implicitly) are not counted.
 */
function exceedsNestingDepth(html: string, max: number): boolean {
  const stack: string[] = [];
  const open = new Map<string, number>();
  for (const match of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9:-]*)[^<>]*>/g)) {
    const name = match[2]?.toLowerCase();
    if (!name || VOID_OR_SELF_ENDING.has(name)) continue;
    if (!match[1]) {
      stack.push(name);
      open.set(name, (open.get(name) ?? 0) + 1);
      if (stack.length > max) return true;
    } else if (open.get(name)) {
      for (let popped = stack.pop(); popped !== undefined; popped = stack.pop()) {
        open.set(popped, open.get(popped)! - 1);
        if (popped === name) break;
      }
    }
  }
  return false;
}

/** Tags removed by a linear scan; for HTML too deep for the parser. Entities are left for the caller. */
function stripTags(html: string): string {
  return html.replace(/<[^<>]*>/g, "");
}

function escapeText(text: string): string {
  return text.replace(/&(?![a-zA-Z0-9#]{1,20};)/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
