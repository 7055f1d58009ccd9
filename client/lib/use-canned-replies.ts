// The canned replies offered in a channel's composer, loaded when the channel is known.
import { useEffect, useState } from "react";
import type { CannedReplyView } from "../../shared/canned-replies.ts";
import type { Channel } from "../../shared/domain.ts";
import { api } from "./api.ts";

export function useCannedReplies(channel: Channel): CannedReplyView[] {
  const [replies, setReplies] = useState<CannedReplyView[]>([]);
  useEffect(() => {
    let stopped = false;
    // Without the list the agent can still type the reply: the picker just offers nothing.
    api.cannedReplies(channel).then(
      (r) => !stopped && setReplies(r.cannedReplies),
      (error) => console.warn("canned replies not loaded", error),
    );
    return () => {
      stopped = true;
    };
  }, [channel]);
  return replies;
}
