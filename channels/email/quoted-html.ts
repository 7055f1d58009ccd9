// Folds the quoted history of an HTML reply into <details class="sb-quoted">: collapsed, never
// deleted. Runs on sanitize-html's output, which is well formed (every tag closed, "<" and ">"
// escaped in text and attributes), so a flat tokenizer reads it exactly.

/** Set by the sanitizer on elements that start quoted history: "element" (just it) or "rest" (it and what follows). */
export const QUOTE_MARKER = "data-sb-quote";

const OPEN_DETAILS = '<details class="sb-quoted"><summary>Quoted text</summary>';
const CLOSE_DETAILS = "</details>";
const TAG = /<(\/?)([a-z][a-z0-9]*)([^<>]*)>/gi;
const ORIGINAL_MESSAGE = /-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale)\s*-{2,}/i;
/** Where a quoted block may be cut into its own <details> without breaking the markup around it. */
const CONTAINERS = new Set(["div", "blockquote", "td", "th", "li"]);

interface Token {
  kind: "open" | "close" | "void" | "text";
  name: string;
  raw: string;
  /** Index of the enclosing open token, -1 at the top. */
  parent: number;
  /** For an open token, the index of its close token. */
  end: number;
}

export function collapseQuotedHistory(html: string): string {
  if (!html.includes(QUOTE_MARKER) && !ORIGINAL_MESSAGE.test(html)) return html;
  const tokens = tokenize(html);
  const before = new Map<number, number>();
  const after = new Map<number, number>();
  let coveredUntil = -1;
  for (let i = 0; i < tokens.length; i++) {
    if (i <= coveredUntil) continue;
    const region = quotedRegion(tokens, i);
    if (!region) continue;
    before.set(region[0], (before.get(region[0]) ?? 0) + 1);
    after.set(region[1], (after.get(region[1]) ?? 0) + 1);
    coveredUntil = region[1];
    i = region[1];
  }
  let out = "";
  tokens.forEach((token, i) => {
    out += OPEN_DETAILS.repeat(before.get(i) ?? 0);
    out += token.kind === "open" ? token.raw.replace(/ data-sb-quote="[^"]*"/, "") : token.raw;
    out += CLOSE_DETAILS.repeat(after.get(i) ?? 0);
  });
  return out;
}

/** The token range [first, last] that the quote starting at token i covers, if one starts there. */
function quotedRegion(tokens: Token[], i: number): [number, number] | null {
  const token = tokens[i]!;
  const restOfParent = (start: number): [number, number] => {
    const parent = tokens[start]!.parent;
    return [start, parent >= 0 ? tokens[parent]!.end - 1 : tokens.length - 1];
  };
  if (token.kind === "open") {
    const kind = / data-sb-quote="([^"]*)"/.exec(token.raw)?.[1];
    if (kind === "element") return [i, token.end];
    if (kind === "rest") return restOfParent(i);
    return null;
  }
  if (token.kind !== "text" || !ORIGINAL_MESSAGE.test(token.raw)) return null;
  // Cut at the child of the nearest container that holds the marker, so no <details> lands inside a <p>.
  let start = i;
  while (tokens[start]!.parent >= 0 && !CONTAINERS.has(tokens[tokens[start]!.parent]!.name)) start = tokens[start]!.parent;
  return restOfParent(start);
}

function tokenize(html: string): Token[] {
  const tokens: Token[] = [];
  const stack: number[] = [];
  const parent = () => stack[stack.length - 1] ?? -1;
  const pushText = (text: string) => {
    if (!text) return;
    // A marker in the middle of a text run starts its own token, so the reply before it stays visible.
    const match = ORIGINAL_MESSAGE.exec(text);
    if (match && match.index > 0 && text.slice(0, match.index).trim() !== "") {
      tokens.push({ kind: "text", name: "", raw: text.slice(0, match.index), parent: parent(), end: -1 });
      text = text.slice(match.index);
    }
    tokens.push({ kind: "text", name: "", raw: text, parent: parent(), end: -1 });
  };
  let last = 0;
  for (const match of html.matchAll(TAG)) {
    pushText(html.slice(last, match.index));
    last = match.index + match[0].length;
    const name = match[2]!.toLowerCase();
    if (match[1]) {
      // Close up to the matching open element (the sanitizer's output always has one).
      while (stack.length > 0) {
        const open = stack.pop()!;
        tokens[open]!.end = tokens.length;
        if (tokens[open]!.name === name) break;
      }
      tokens.push({ kind: "close", name, raw: match[0], parent: parent(), end: -1 });
    } else if (match[3]!.endsWith("/") || name === "br" || name === "hr" || name === "img") {
      tokens.push({ kind: "void", name, raw: match[0], parent: parent(), end: -1 });
    } else {
      tokens.push({ kind: "open", name, raw: match[0], parent: parent(), end: -1 });
      stack.push(tokens.length - 1);
    }
  }
  pushText(html.slice(last));
  // Unclosed at the end (not expected from the sanitizer): close at the last token.
  for (const open of stack) tokens[open]!.end = tokens.length - 1;
  return tokens;
}
