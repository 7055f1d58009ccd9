// Files a chat visitor sends: allowed types and sizes only, and the bytes must be what the type says
// (a "picture" that is really a script is refused). Each file is reachable only by its signed link.
import { createHmac, timingSafeEqual } from "node:crypto";
import type pg from "pg";
import { AppError } from "../../errors.ts";
import type { ChatAttachmentUpload } from "../../../shared/chat.ts";

export interface UploadLimits {
  maxBytes: number;
  types: string[];
}

// Leading bytes of each binary type we accept; text/plain has none and is served as a download.
const SIGNATURES: Record<string, (b: Buffer) => boolean> = {
  "image/png": (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/gif": (b) => b.subarray(0, 4).toString("latin1") === "GIF8",
  "image/webp": (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP",
  "application/pdf": (b) => b.subarray(0, 5).toString("latin1") === "%PDF-",
};

/** Whether the bytes are what the type says, for the types we know the signature of (others pass). */
export function contentMatchesType(contentType: string, data: Buffer): boolean {
  const matches = SIGNATURES[contentType];
  return !matches || matches(data);
}

export function checkUpload(upload: ChatAttachmentUpload, limits: UploadLimits): Buffer {
  const data = Buffer.from(upload.data instanceof ArrayBuffer ? new Uint8Array(upload.data) : upload.data);
  if (!limits.types.includes(upload.contentType)) {
    throw new AppError("VALIDATION", `Files of type ${upload.contentType || "unknown"} cannot be sent here (allowed: ${limits.types.join(", ")})`);
  }
  if (data.length > limits.maxBytes) {
    throw new AppError("VALIDATION", `The file is too large: ${formatBytes(data.length)}, the limit is ${formatBytes(limits.maxBytes)}`);
  }
  if (data.length === 0) throw new AppError("VALIDATION", "The file is empty");
  const matches = SIGNATURES[upload.contentType];
  if (matches && !matches(data)) throw new AppError("VALIDATION", `The file's content is not ${upload.contentType}`);
  return data;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} kB`;
}

const signature = (secret: string, id: string) => createHmac("sha256", secret).update(`attachment:${id}`).digest("base64url");

export function attachmentUrl(publicUrl: string, secret: string, id: string): string {
  return `${publicUrl}/files/${id}/${signature(secret, id)}`;
}

export function verifyAttachmentSignature(secret: string, id: string, sig: string): boolean {
  const expected = Buffer.from(signature(secret, id));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A visitor's upload, checked, stored before any message names it, and usable only by that visitor. */
export async function storeVisitorUpload(
  deps: { pool: pg.Pool; uploads: UploadLimits },
  opts: { visitorId: string; name: string; contentType: string; data: Buffer },
): Promise<{ id: string; name: string; contentType: string; sizeBytes: number }> {
  const data = checkUpload(opts, deps.uploads);
  const { rows } = await deps.pool.query<{ id: string }>(
    `INSERT INTO attachments (file_name, content_type, size_bytes, data, uploaded_by_visitor) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [opts.name, opts.contentType, data.length, data, opts.visitorId],
  );
  return { id: rows[0]!.id, name: opts.name, contentType: opts.contentType, sizeBytes: data.length };
}

/** The visitor's own upload that no message holds yet; null otherwise (another's, or already sent). */
export async function findVisitorUpload(pool: pg.Pool, opts: { visitorId: string; attachmentId: string }): Promise<{ id: string; name: string; contentType: string } | null> {
  const { rows } = await pool.query<{ id: string; file_name: string; content_type: string }>(
    `SELECT id, file_name, content_type FROM attachments WHERE id = $1 AND uploaded_by_visitor = $2 AND message_id IS NULL`,
    [opts.attachmentId, opts.visitorId],
  );
  return rows[0] ? { id: rows[0].id, name: rows[0].file_name, contentType: rows[0].content_type } : null;
}

/** Stores the file before its message, so the message never points at a file that is not there. */
export async function storeAttachment(pool: pg.Pool, opts: { name: string; contentType: string; data: Buffer }): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO attachments (file_name, content_type, size_bytes, data) VALUES ($1, $2, $3, $4) RETURNING id`,
    [opts.name, opts.contentType, opts.data.length, opts.data],
  );
  return rows[0]!.id;
}

export async function attachToMessage(pool: pg.Pool, attachmentId: string, messageId: string, customerId: string): Promise<void> {
  await pool.query(`UPDATE attachments SET message_id = $2, customer_id = $3 WHERE id = $1`, [attachmentId, messageId, customerId]);
}

export async function readAttachment(pool: pg.Pool, id: string): Promise<{ name: string; contentType: string; data: Buffer } | null> {
  const { rows } = await pool.query<{ file_name: string; content_type: string; data: Buffer }>(
    `SELECT file_name, content_type, data FROM attachments WHERE id = $1`,
    [id],
  );
  return rows[0] ? { name: rows[0].file_name, contentType: rows[0].content_type, data: rows[0].data } : null;
}
