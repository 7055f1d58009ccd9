import type { ConversationView, OfferView } from "../../../shared/api.ts";
import { ConversationItem } from "./conversation-item.tsx";
import { DueReminders } from "./due-reminders.tsx";
import { OfferItem } from "./offer-item.tsx";

export type Props = {
  offers: OfferView[];
  conversations: ConversationView[];
  /** Why the list could not be loaded, if it could not. */
  loadError: string | null;
  /** The outcome of the last accept or reject when it went wrong. */
  notice: string | null;
  openConversationId: string | null;
  /** Whether an accepted call can ring in this browser. */
  callsReady: boolean;
  onAccept: (offerId: string) => Promise<void>;
  onReject: (offerId: string) => Promise<void>;
  onOpen: (conversationId: string) => void;
  onDismissNotice: () => void;
  /** My snoozed conversations: out of the active list until they wake. */
  snoozed?: ConversationView[];
};

export function WorkList(props: Props) {
  const { offers, conversations, loadError, notice, openConversationId } = props;
  return (
    <aside className="work-list">
      {loadError && <p className="work-list__error" role="alert">{loadError}</p>}
      {notice && (
        <p className="work-list__notice" role="alert" data-testid="work-notice">
          {notice}
          <button className="link-button" type="button" onClick={props.onDismissNotice}>
            Dismiss
          </button>
        </p>
      )}
      <DueReminders onOpen={props.onOpen} />
      <section className="work-list__section" aria-labelledby="offers-heading">
        <h2 id="offers-heading" className="work-list__heading">
          Offers <span className="count">{offers.length}</span>
        </h2>
        {offers.length === 0 ? (
          <p className="work-list__empty">No offers right now.</p>
        ) : (
          <ul className="work-list__items">
            {offers.map((offer) => (
              <OfferItem key={offer.id} offer={offer} callsReady={props.callsReady} onAccept={props.onAccept} onReject={props.onReject} />
            ))}
          </ul>
        )}
      </section>
      <section className="work-list__section" aria-labelledby="mine-heading">
        <h2 id="mine-heading" className="work-list__heading">
          My conversations <span className="count">{conversations.length}</span>
        </h2>
        {conversations.length === 0 ? (
          <p className="work-list__empty">Nothing assigned to you.</p>
        ) : (
          <ul className="work-list__items">
            {conversations.map((conversation) => (
              <ConversationItem
                key={conversation.id}
                conversation={conversation}
                active={conversation.id === openConversationId}
                onOpen={props.onOpen}
              />
            ))}
          </ul>
        )}
      </section>
      {props.snoozed && props.snoozed.length > 0 && (
        <section className="work-list__section snoozed-list" aria-labelledby="snoozed-heading" data-testid="snoozed-list">
          <h2 id="snoozed-heading" className="work-list__heading">
            Snoozed <span className="count">{props.snoozed.length}</span>
          </h2>
          <ul className="work-list__items">
            {props.snoozed.map((conversation) => (
              <ConversationItem key={conversation.id} conversation={conversation} active={conversation.id === openConversationId} onOpen={props.onOpen} />
            ))}
          </ul>
        </section>
      )}
    </aside>
  );
}
