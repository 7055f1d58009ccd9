// A message's files as stored in messages.media, and what of them the workspace may see. Media the
// provider holds behind its credentials (Twilio MMS) is stored as "pending" with its source URL until a
// job fetches it into our storage; the source URL never leaves the server.
import type { MediaView } from "../../../shared/api.ts";
import type { MediaItem } from "../../../shared/inbound.ts";

export interface StoredMedia {
  /** Where the browser gets the file: our signed link (or a provider's public recording URL). */
  url?: string;
  contentType: string;
  name?: string;
  state?: "pending" | "unavailable";
  /** The provider's URL of a file still to fetch. Server-side only. */
  sourceUrl?: string;
  reason?: string;
  /** When the fetch failed for good (ISO time). */
  failedAt?: string;
}

export function storedMediaOf(media: MediaItem[]): StoredMedia[] {
  return media.map((m) =>
    m.fetchFromProvider
      ? { state: "pending", sourceUrl: m.url, contentType: m.contentType }
      : { url: m.url, contentType: m.contentType, ...(m.name ? { name: m.name } : {}) },
  );
}

export function mediaView(m: StoredMedia): MediaView {
  return {
    ...(m.url && !m.state ? { url: m.url } : {}),
    contentType: m.contentType,
    ...(m.name ? { name: m.name } : {}),
    ...(m.state ? { state: m.state } : {}),
    ...(m.reason ? { reason: m.reason } : {}),
  };
}
