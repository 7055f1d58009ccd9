// Service level by customer value: tier first, then how urgent the channel is. Lower runs first (BullMQ).
import type { Channel, CustomerTier } from "../../../shared/domain.ts";

const TIER_RANK: Record<CustomerTier, number> = { platinum: 0, gold: 1, standard: 2 };
const CHANNEL_RANK: Record<Channel, number> = { voice: 1, chat: 2, sms: 3, email: 4 };

export function routingPriority(tier: CustomerTier, channel: Channel): number {
  return TIER_RANK[tier] * 10 + CHANNEL_RANK[channel];
}
