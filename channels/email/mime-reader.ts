// Streams one raw mail through mailparser's MailParser, holding only the attachments that fit the
// limits: simpleParser would buffer every attachment whole (a 24 MB file included) and rewrite cid:
// images to data: URLs, so the collecting loop is ours. The parts of a delivery report are kept
// aside (capped), for the bounce, and do not count as attachments.
import { MailParser, type AttachmentStream, type HeaderLines, type Headers, type MessageText } from "mailparser";
import type { MailAttachment, MailLimits, WithheldAttachment, WithheldReason } from "./types.ts";

/** A report part is read only this far: the status block and the original's headers are at the start. */
const REPORT_PART_MAX_BYTES = 64 * 1024;
/** HTML past this is cut before mailparser converts it to text (and before we sanitize it). */
export const MAX_HTML_CHARS = 2 * 1024 * 1024;
/** If mailparser has not finished by then, something is wrong with it, not with the mail: give up on it. */
const PARSE_TIMEOUT_MS = 20_000;

const REPORT_PART_TYPES = new Set(["message/delivery-status", "message/global-delivery-status", "message/rfc822", "text/rfc822-headers", "message/global-headers"]);

export interface ReportParts {
  deliveryStatus: string | null;
  originalHeaders: string | null;
}

export interface MimeContent {
  /** null when even the top-level headers could not be read. */
  headers: Headers | null;
  headerLines: HeaderLines;
  text: string | null;
  html: string | null;
  attachments: MailAttachment[];
  withheld: WithheldAttachment[];
  report: ReportParts;
  problems: string[];
  /** False when the parser failed part-way: text and html are then missing. */
  complete: boolean;
}

/** Nothing read yet (or nothing readable: then with the problem that says why). */
export function emptyContent(problem?: string): MimeContent {
  return {
    headers: null,
    headerLines: [],
    text: null,
    html: null,
    attachments: [],
    withheld: [],
    report: { deliveryStatus: null, originalHeaders: null },
    problems: problem ? [problem] : [],
    complete: false,
  };
}

export function readMime(raw: Buffer, limits: MailLimits): Promise<MimeContent> {
  const result = emptyContent();
  let seen = 0;
  let keptBytes = 0;
  let isReport = false;

  return new Promise((resolve) => {
    let settled = false;
    const finish = (complete: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      result.complete = complete;
      resolve(result);
    };
    const timer = setTimeout(() => {
      result.problems.push(`the MIME parser did not finish within ${PARSE_TIMEOUT_MS / 1000} s`);
      parser.destroy();
      finish(false);
    }, PARSE_TIMEOUT_MS);

    const parser = new MailParser({
      keepDeliveryStatus: true,
      // An attached message is kept as one part: its headers name the original of a bounce.
      ignoreEmbedded: true,
      checksumAlgo: false,
      skipTextToHtml: true,
      skipTextLinks: true,
      skipImageLinks: true,
      maxHtmlLengthToParse: MAX_HTML_CHARS,
    });
    parser.on("error", (err: Error) => {
      result.problems.push(`the MIME structure could not be read: ${err.message}`);
      finish(false);
    });
    parser.on("headers", (headers: Headers) => {
      result.headers = headers;
      result.headerLines = parser.headerLines || [];
      const type = headers.get("content-type");
      isReport = typeof type === "object" && type !== null && "value" in type && String(type.value).toLowerCase() === "multipart/report";
    });

    const onAttachment = (part: AttachmentStream, next: () => void) => {
      const contentType = (part.contentType || "application/octet-stream").toLowerCase();
      if (isReport && REPORT_PART_TYPES.has(contentType)) {
        collect(part, REPORT_PART_MAX_BYTES, true, result.problems, (content) => {
          const text = content.toString("utf8");
          if (contentType.endsWith("delivery-status")) result.report.deliveryStatus ??= text;
          else result.report.originalHeaders ??= text;
          next();
        });
        return;
      }
      const index = seen++;
      const filename = attachmentName(part, index);
      let reason: WithheldReason | null = index >= limits.maxAttachments ? "too_many" : null;
      const cap = reason ? 0 : Math.min(limits.maxAttachmentBytes, limits.maxTotalAttachmentBytes - keptBytes);
      collect(part, cap, false, result.problems, (content, size) => {
        if (!reason && size > limits.maxAttachmentBytes) reason = "too_large";
        else if (!reason && keptBytes + size > limits.maxTotalAttachmentBytes) reason = "total_too_large";
        if (reason) {
          result.withheld.push({ filename, contentType, size, reason });
        } else {
          keptBytes += size;
          const contentId = part.cid || null;
          const inline = part.contentDisposition === "inline" || (part.related === true && contentId !== null);
          result.attachments.push({ filename, contentType, size, contentId, inline, content });
        }
        next();
      });
    };

    let reading = false;
    const read = (): void => {
      reading = true;
      const data = parser.read() as AttachmentStream | MessageText | null;
      if (data === null) {
        reading = false;
        return;
      }
      if (data.type === "text") {
        if (typeof data.text === "string") result.text = data.text;
        if (typeof data.html === "string") result.html = data.html;
        if (data.textConversionError) result.problems.push(`the HTML could not be turned into text: ${data.textConversionError.message}`);
        read();
      } else {
        onAttachment(data, () => {
          data.release?.();
          read();
        });
      }
    };
    parser.on("readable", () => {
      if (!reading) read();
    });
    parser.on("end", () => finish(true));
    parser.end(raw);
  });
}

/**
 * Reads a part's content, holding at most `cap` bytes; the rest is counted and dropped, so a part
 * over its limit is never held whole. With `keepHead` the first `cap` bytes are kept whatever the
 * size, otherwise an oversized part yields no content. `done` gets the content and the full size.
 */
function collect(part: AttachmentStream, cap: number, keepHead: boolean, problems: string[], done: (content: Buffer, size: number) => void) {
  let chunks: Buffer[] = [];
  let size = 0;
  let held = 0;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    done(Buffer.concat(chunks, held), size);
  };
  part.content.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (!keepHead && size > cap) {
      chunks = [];
      held = 0;
      return;
    }
    if (held < cap) {
      const take = chunk.subarray(0, cap - held);
      chunks.push(take);
      held += take.length;
    }
  });
  part.content.once("end", end);
  part.content.once("error", (err: Error) => {
    problems.push(`a part could not be decoded: ${err.message}`);
    end();
  });
}

function attachmentName(part: AttachmentStream, index: number): string {
  const name = part.filename?.replace(/[\u0000-\u001f\u007f/\\]+/g, "_").trim();
  if (name) return name.slice(0, 255);
  const subtype = (part.contentType.split("/")[1] ?? "bin").replace(/[^a-z0-9.+-]/gi, "").slice(0, 20) || "bin";
  return `attachment-${index + 1}.${subtype}`;
}
