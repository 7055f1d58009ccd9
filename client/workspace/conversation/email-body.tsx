import { useState } from "react";
import type { MessageView } from "../../../shared/api.ts";
import type { EmailDetails } from "../../../shared/email.ts";

export type Props = { message: MessageView; email: EmailDetails };

/**
 * The mail's text, its quoted history collapsed (never dropped), and when it came with HTML, that HTML in
 * a frame with every sandbox restriction: no scripts, an opaque origin, no forms, popups or top navigation.
 * Remote images stay off (the sender would learn it was read) until the agent asks for them.
 */
export function EmailBody({ message, email }: Props) {
  const [view, setView] = useState<"html" | "text">(email.hasHtml ? "html" : "text");
  const [showQuoted, setShowQuoted] = useState(false);
  const [remoteImages, setRemoteImages] = useState(false);
  const hasQuoted = message.body.trim() !== email.visibleText.trim();
  const frameUrl = `/api/messages/${encodeURIComponent(message.id)}/email-html${remoteImages ? "?images=remote" : ""}`;

  return (
    <div className="email__body">
      {email.hasHtml && (
        <div className="email__tools">
          <div className="email__views" role="group" aria-label="Show the mail as">
            <button type="button" className="email__view" aria-pressed={view === "html"} onClick={() => setView("html")} data-testid="email-view-html">
              HTML
            </button>
            <button type="button" className="email__view" aria-pressed={view === "text"} onClick={() => setView("text")} data-testid="email-view-text">
              Text
            </button>
          </div>
          {view === "html" &&
            (remoteImages ? (
              <span className="email__remote-note" data-testid="email-remote-shown">
                Remote images shown
              </span>
            ) : (
              <button type="button" className="link-button" onClick={() => setRemoteImages(true)} data-testid="email-remote-images">
                Show remote images
              </button>
            ))}
        </div>
      )}
      {view === "html" ? (
        <div className="email__frame-box">
          <iframe
            className="email__frame"
            sandbox=""
            src={frameUrl}
            title={`Email: ${email.subject || "(no subject)"}`}
            referrerPolicy="no-referrer"
            // A long history holds many mails: each frame fetches its HTML only when scrolled near.
            loading="lazy"
            data-testid="email-frame"
          />
        </div>
      ) : (
        <>
          <div className="message__body email__text" dir="auto" data-testid="email-text">
            {showQuoted ? message.body : email.visibleText || "(no new text: see the quoted text)"}
          </div>
          {hasQuoted && (
            <button type="button" className="link-button email__quoted-toggle" aria-expanded={showQuoted} onClick={() => setShowQuoted(!showQuoted)} data-testid="email-quoted-toggle">
              {showQuoted ? "Hide quoted text" : "Show quoted text"}
            </button>
          )}
        </>
      )}
    </div>
  );
}
