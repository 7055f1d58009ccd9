import type { MessageView } from "../../../shared/api.ts";
import type { EmailDetails, MailAddressView, ThreadMatch } from "../../../shared/email.ts";
import { EmailAttachments } from "./email-attachments.tsx";
import { EmailBody } from "./email-body.tsx";

export type Props = {
  message: MessageView;
  email: EmailDetails;
  /** The customer's own addresses (lower case): mail from any other address is flagged. */
  customerEmails: string[];
};

export const formatAddress = (a: MailAddressView) => (a.name ? `${a.name} <${a.address}>` : a.address);

function threadReason(thread: ThreadMatch): string {
  const value = thread.value ? ` ${thread.value}` : "";
  switch (thread.by) {
    case "in_reply_to":
      return `Joined by In-Reply-To${value}`;
    case "references":
      return `Joined by References${value}`;
    case "reply_token":
      return `Joined by reply address${value}`;
    case "new":
      return "New thread";
  }
}

/** An email in the timeline: its headers, why it joined this thread, its body, files and anything wrong with it. */
export function EmailMessage({ message, email, customerEmails }: Props) {
  const inbound = message.direction === "inbound";
  const otherSender = inbound && email.from !== null && !customerEmails.includes(email.from.address.toLowerCase());
  return (
    <div className="email" data-testid="email-message">
      <dl className="email__header" data-testid="email-header">
        <dt>From</dt>
        <dd dir="auto" className={otherSender ? "email__from email__from--other" : "email__from"} data-testid="email-from">
          {email.from ? formatAddress(email.from) : "(no sender)"}
          {otherSender && (
            <span className="email__sender-note" data-testid="email-sender-other">
              {" "}
              not the customer's address
            </span>
          )}
        </dd>
        <dt>To</dt>
        <dd dir="auto" data-testid="email-to">
          {email.to.map(formatAddress).join(", ") || "(none)"}
        </dd>
        {email.cc.length > 0 && (
          <>
            <dt>Cc</dt>
            <dd dir="auto" data-testid="email-cc">
              {email.cc.map(formatAddress).join(", ")}
            </dd>
          </>
        )}
        <dt>Subject</dt>
        <dd dir="auto" className="email__subject" data-testid="email-subject">
          {email.subject || "(no subject)"}
        </dd>
      </dl>
      {email.thread && (
        <p className="email__thread" dir="auto" data-testid="email-thread">
          {threadReason(email.thread)}
        </p>
      )}
      {(email.automated || email.bounce || email.automatic) && (
        <p className="email__badges">
          {email.automated && (
            <span className="email__badge email__badge--automated" dir="auto" data-testid="email-automated">
              Automated: {email.automated}
            </span>
          )}
          {email.bounce && (
            <span className="email__badge email__badge--bounce" dir="auto" data-testid="email-bounce">
              Bounced: {[email.bounce.status, email.bounce.diagnostic].filter(Boolean).join(" ")}
              {email.bounce.recipient ? ` (to ${email.bounce.recipient})` : ""}
            </span>
          )}
          {email.automatic && (
            <span className="email__badge" data-testid="email-automatic">
              Sent automatically
            </span>
          )}
        </p>
      )}
      <EmailBody message={message} email={email} />
      <EmailAttachments media={message.media} withheld={email.withheld} />
      {email.problems.length > 0 && (
        <div className="email__problems" data-testid="email-problems">
          Parts of this mail could not be read:
          <ul>
            {email.problems.map((problem, i) => (
              <li key={i} dir="auto">
                {problem}
              </li>
            ))}
          </ul>
        </div>
      )}
      {email.rejectedRecipients.length > 0 && (
        <p className="message__error" role="alert" dir="auto" data-testid="email-rejected">
          Not delivered to: {email.rejectedRecipients.join(", ")}
        </p>
      )}
    </div>
  );
}
