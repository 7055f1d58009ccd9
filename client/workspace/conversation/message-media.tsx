import type { MediaItem } from "../../../shared/inbound.ts";

export type Props = { media: MediaItem[] };

/** Only web links are rendered: a stored URL with another scheme (javascript:, data:) is not clickable. */
function safeUrl(url: string): string | null {
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

export function MessageMedia({ media }: Props) {
  if (media.length === 0) return null;
  return (
    <ul className="media">
      {media.map((item, index) => {
        const url = safeUrl(item.url);
        if (!url) return <li key={index} className="media__file">Attachment ({item.contentType}) with an unsafe link</li>;
        return (
          <li key={index} className={item.contentType.startsWith("image/") ? "media__image" : "media__file"}>
            <a href={url} target="_blank" rel="noreferrer noopener">
              {item.contentType.startsWith("image/") ? (
                <img src={url} alt={`Image attachment (${item.contentType})`} loading="lazy" />
              ) : (
                `${fileName(url)} (${item.contentType})`
              )}
            </a>
            {item.contentType.startsWith("audio/") && <audio className="media__audio" controls preload="none" src={url} />}
          </li>
        );
      })}
    </ul>
  );
}
