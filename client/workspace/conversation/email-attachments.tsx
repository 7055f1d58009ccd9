import type { MediaView } from "../../../shared/api.ts";
import type { WithheldAttachmentView } from "../../../shared/email.ts";
import { safeUrl } from "./message-media.tsx";

export type Props = { media: MediaView[]; withheld: WithheldAttachmentView[] };

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.ceil(bytes / 1024))} kB`;
}

function withheldReason(reason: WithheldAttachmentView["reason"], kept: number): string {
  switch (reason) {
    case "too_large":
      return "not kept: larger than the limit";
    // The wire type has no limit: the files kept before it are the limit's count.
    case "too_many":
      return kept > 0 ? `not kept: more than ${kept} attachment${kept === 1 ? "" : "s"}` : "not kept: more attachments than the limit";
    case "total_too_large":
      return "not kept: total size limit";
  }
}

/** The mail's files with their download links, and the ones not kept with the reason. */
export function EmailAttachments({ media, withheld }: Props) {
  if (media.length === 0 && withheld.length === 0) return null;
  return (
    <ul className="email__files" data-testid="email-attachments">
      {media.map((item, index) => {
        const url = item.url ? safeUrl(item.url) : null;
        const name = item.name ?? `attachment ${index + 1}`;
        return (
          <li key={`m${index}`} className="email__file" data-testid="email-attachment">
            <span dir="auto" className="email__file-name">{name}</span> <span className="email__file-type">({item.contentType})</span>{" "}
            {url ? (
              <a href={url} download={name} target="_blank" rel="noreferrer noopener">
                Download
              </a>
            ) : (
              <span className="email__file-missing">{item.reason ?? "unavailable"}</span>
            )}
          </li>
        );
      })}
      {withheld.map((item, index) => (
        <li key={`w${index}`} className="email__file email__file--withheld" data-testid="email-withheld">
          <span dir="auto" className="email__file-name">{item.filename}</span>{" "}
          <span className="email__file-type">
            ({item.contentType}, {formatSize(item.size)})
          </span>{" "}
          <span className="email__file-reason">{withheldReason(item.reason, media.length)}</span>
        </li>
      ))}
    </ul>
  );
}
