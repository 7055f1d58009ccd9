// A file goes by HTTP before its message (POST /chat/uploads): the socket carries only small frames.
import { CHAT_UPLOAD_HEADERS, CHAT_UPLOAD_PATH } from "../../shared/chat-upload.ts";

export type UploadResult = { ok: true; id: string } | { ok: false; permanent: boolean; message: string };

/** Refusals that uploading the same file again cannot fix. */
const PERMANENT = new Set(["VALIDATION", "TOO_LARGE", "FORBIDDEN", "NOT_FOUND"]);

export async function uploadChatFile(opts: {
  origin: string;
  widgetKey: string;
  visitorToken: string;
  file: { name: string; contentType: string; data: ArrayBuffer };
}): Promise<UploadResult> {
  let res: Response;
  try {
    res = await fetch(opts.origin + CHAT_UPLOAD_PATH, {
      method: "POST",
      headers: {
        "content-type": opts.file.contentType || "application/octet-stream",
        [CHAT_UPLOAD_HEADERS.widgetKey]: opts.widgetKey,
        [CHAT_UPLOAD_HEADERS.visitorToken]: opts.visitorToken,
        [CHAT_UPLOAD_HEADERS.fileName]: encodeURIComponent(opts.file.name),
      },
      body: opts.file.data,
    });
  } catch {
    return { ok: false, permanent: false, message: `The file ${opts.file.name} could not be sent; trying again` };
  }
  const answer = (await res.json().catch(() => null)) as { upload?: { id: string }; error?: { code: string; message: string } } | null;
  if (res.ok && answer?.upload) return { ok: true, id: answer.upload.id };
  const code = answer?.error?.code ?? (res.status === 413 ? "TOO_LARGE" : "INTERNAL");
  return { ok: false, permanent: PERMANENT.has(code), message: answer?.error?.message ?? `The file ${opts.file.name} could not be sent (${res.status})` };
}
