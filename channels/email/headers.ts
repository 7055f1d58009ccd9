// Header helpers: raw values by name, addresses, Message-IDs. Used on mailparser's parsed headers and,
// when the MIME structure could not be read at all, on a header block we split off ourselves.
import addressparser from "nodemailer/lib/addressparser";
import type { AddressObject, EmailAddress, HeaderLines, HeaderValue } from "mailparser";
import type { HeaderValues, MailAddress } from "./types.ts";

/** RFC 5322 caps a line at 998 characters; an id longer than that is not one we can thread on. */
const MAX_MESSAGE_ID_LENGTH = 998;

/** Raw header values by lower-cased name, unfolded, from mailparser's header lines. */
export function headerValues(lines: HeaderLines): HeaderValues {
  const values = new Map<string, string[]>();
  for (const { key, line } of lines) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const value = line.slice(colon + 1).replace(/\r?\n[ \t]+/g, " ").trim();
    const name = key.toLowerCase();
    const list = values.get(name);
    if (list) list.push(value);
    else values.set(name, [value]);
  }
  return values;
}

/** Splits a header block (text up to the first empty line) into header lines, the way mailparser reports them. */
export function splitHeaderBlock(block: string): { key: string; line: string }[] {
  const lines: { key: string; line: string }[] = [];
  for (const physical of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(physical) && lines.length > 0) {
      lines[lines.length - 1]!.line += `\n${physical}`;
      continue;
    }
    const match = /^([!-9;-~]+)[ \t]*:/.exec(physical);
    if (match) lines.push({ key: match[1]!.toLowerCase(), line: physical });
  }
  return lines;
}

export function firstValue(headers: HeaderValues, name: string): string | null {
  return headers.get(name)?.[0] ?? null;
}

/** A Message-ID without its angle brackets, or null when there is nothing usable. */
export function cleanMessageId(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const bracketed = /<([^<>\s]+)>/.exec(value);
  const id = (bracketed ? bracketed[1]! : value.trim().split(/\s+/)[0] ?? "").replace(/^<|>$/g, "");
  if (!id || id.length > MAX_MESSAGE_ID_LENGTH) return null;
  return id;
}

/** Message-IDs in order, without brackets, deduped. mailparser gives one string or an array. */
export function messageIdList(value: unknown): string[] {
  const raw = typeof value === "string" ? value.split(/\s+/) : Array.isArray(value) ? value.flatMap((v) => (typeof v === "string" ? v.split(/\s+/) : [])) : [];
  const ids: string[] = [];
  for (const item of raw) {
    const id = cleanMessageId(item);
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** mailparser's address header value (one object, or an array when repeated) → addresses, groups flattened. */
export function addressesOf(value: HeaderValue | undefined): MailAddress[] {
  if (!value) return [];
  const objects = (Array.isArray(value) ? value : [value]).filter((v): v is AddressObject => typeof v === "object" && v !== null && "value" in v && Array.isArray(v.value));
  return normalize(objects.flatMap((o) => o.value));
}

/** Parses a raw address header ourselves (X-Original-To, Envelope-To, and the fallback path). */
export function parseAddressHeader(values: readonly string[] | undefined): MailAddress[] {
  return normalize((values ?? []).flatMap((v) => addressparser(v) as EmailAddress[]));
}

function normalize(entries: EmailAddress[]): MailAddress[] {
  const out: MailAddress[] = [];
  const visit = (entry: EmailAddress) => {
    if (entry.group) {
      entry.group.forEach(visit);
      return;
    }
    const address = (entry.address ?? "").trim().toLowerCase();
    if (!address.includes("@") || address.length > 320) return;
    const name = entry.name?.trim();
    out.push({ address, name: name ? name : null });
  };
  entries.forEach(visit);
  return out;
}

/** A Date header, or null when it is missing or cannot be read (mailparser would substitute "now"). */
export function parseDateHeader(value: string | null): Date | null {
  if (!value) return null;
  const date = new Date(value.replace(/\s*\([^)]*\)\s*$/, ""));
  return Number.isNaN(date.getTime()) ? null : date;
}

export function dedupe(values: Iterable<string>): string[] {
  return [...new Set(values)];
}
