import type { MediaView } from "../../../shared/api.ts";

export type Props = { media: MediaView[] };

/** Only web links are rendered: a stored URL with another scheme (javascript:, data:) is not clickable. */
export function safeUrl(url: string): string | null {
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function fileName(url: string): string {
  const last = url.split(/[?#]/)[0]?.split("/").pop();
  return last ? decodeURIComponent(last) : "attachment";
}

const kindOf = (contentType: string) => (contentType.startsWith("image/") ? "Image" : contentType.startsWith("audio/") ? "Audio" : contentType.startsWith("video/") ? "Video" : "File");

export function MessageMedia({ media }: Props) {
  if (media.length === 0) return null;
  return (
    <ul className="media">
      {media.map((item, index) => {
        if (item.state === "pending") {
          return (
            <li key={index} className="media__file media__file--pending" data-testid="media-pending">
              {kindOf(item.contentType)} ({item.contentType}): fetching from the provider…
            </li>
          );
        }
        if (item.state === "unavailable" || !item.url) {
          return (
            <li key={index} className="media__file media__file--unavailable" data-testid="media-unavailable">
              {kindOf(item.contentType)} ({item.contentType}) unavailable{item.reason ? `: ${item.reason}` : ""}
            </li>
          );
        }
        const url = safeUrl(item.url);
        if (!url) return <li key={index} className="media__file">Attachment ({item.contentType}) with an unsafe link</li>;
        return (
          <li key={index} className={item.contentType.startsWith("image/") ? "media__image" : "media__file"}>
            <a href={url} target="_blank" rel="noreferrer noopener" dir="auto">
              {item.contentType.startsWith("image/") ? (
                <img src={url} alt={`Image attachment (${item.contentType})`} loading="lazy" />
              ) : (
                `${item.name ?? fileName(url)} (${item.contentType})`
              )}
            </a>
            {item.contentType.startsWith("audio/") && <audio className="media__audio" controls preload="none" src={url} />}
          </li>
        );
      })}
    </ul>
  );
}
