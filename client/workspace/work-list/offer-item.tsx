import { useState } from "react";
import type { OfferView } from "../../../shared/api.ts";
import { ChannelBadge } from "../common/channel-badge.tsx";
import { tierLabel } from "../common/format.ts";
import { PhoneIcon } from "../call/phone-icon.tsx";
import { OfferCountdown } from "./offer-countdown.tsx";
import { PreviewLine, WaitFacts } from "./work-item-facts.tsx";

export type Props = {
  offer: OfferView;
  /** Whether a call accepted now can ring in this browser (the softphone is registered). */
  callsReady: boolean;
  onAccept: (offerId: string) => Promise<void>;
  onReject: (offerId: string) => Promise<void>;
};

export function OfferItem({ offer, callsReady, onAccept, onReject }: Props) {
  const [busy, setBusy] = useState(false);
  const { conversation } = offer;
  const who = conversation.customer.displayName;
  const isCall = offer.channel === "voice";

  async function act(action: (offerId: string) => Promise<void>) {
    setBusy(true);
    try {
      await action(offer.id);
    } finally {
      setBusy(false);
    }
  }

  return (
    <li className={`offer${isCall ? " offer--call" : ""}`} data-testid="offer-item" data-conversation-id={conversation.id} data-channel={offer.channel}>
      {isCall && (
        <p className="offer__call">
          <PhoneIcon className="offer__phone" />
          Incoming call
        </p>
      )}
      <div className="offer__top">
        <ChannelBadge channel={offer.channel} />
        <span className="offer__who" dir="auto" data-testid="work-item-name">
          {who}
        </span>
        <OfferCountdown expiresAt={offer.expiresAt} />
      </div>
      <div className="offer__meta">
        <span className={`tier tier--${conversation.customer.tier}`}>{tierLabel[conversation.customer.tier]}</span>
        {conversation.subject && <span className="offer__subject" dir="auto">{conversation.subject}</span>}
      </div>
      <PreviewLine conversation={conversation} />
      <WaitFacts conversation={conversation} />
      {isCall && !callsReady && (
        <p className="offer__warning">Your softphone is not ready: this call cannot ring in this browser.</p>
      )}
      <div className="offer__actions">
        <button className="button button--primary" type="button" disabled={busy} onClick={() => act(onAccept)} data-testid="offer-accept">
          Accept
        </button>
        <button className="button" type="button" disabled={busy} onClick={() => act(onReject)} data-testid="offer-reject">
          Reject
        </button>
      </div>
    </li>
  );
}
