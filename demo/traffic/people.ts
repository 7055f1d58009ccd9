// Who the demo traffic's customers are and what they say: invented names, 555 numbers, customer.test addresses.
export type Tier = "standard" | "gold" | "platinum";

export interface TrafficCustomer {
  name: string;
  phone: string;
  email: string;
  tier: Tier;
  optedOut: boolean;
}

const FIRST = ["Pat", "Sam", "Robin", "Jordan", "Casey", "Morgan", "Riley", "Avery", "Quinn", "Jamie", "Drew", "Skyler"];
const LAST = ["Lee", "Garcia", "Okafor", "Novak", "Silva", "Kim", "Haddad", "Berg", "Rossi", "Tanaka", "Moreau", "Singh"];

export const TEXTS = [
  "Hi, where is my order?",
  "My parcel says delivered but it is not here",
  "Can I change my delivery address?",
  "The kettle I bought does not switch on",
  "Do you have the teapot in blue?",
  "I was charged twice for one order",
  "Can I return an item after 30 days?",
];

export const MAILS = [
  { subject: "Refund for order", text: "Hello,\n\nI returned my order two weeks ago and have not been refunded yet.\n\nThanks" },
  { subject: "Wrong item delivered", text: "Hi,\n\nI ordered a blue teapot and got a green one. What can I do?" },
  { subject: "Invoice needed", text: "Good morning,\n\nCould you send me an invoice for my last order, with our company name?" },
  { subject: "Damaged on arrival", text: "Hello,\n\nThe toaster arrived with a cracked case. Photos on request." },
];

export function newCustomer(seq: number, random: () => number, tierShares: { gold: number; platinum: number }): TrafficCustomer {
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const first = pick(FIRST);
  const last = pick(LAST);
  const draw = random();
  const tier: Tier = draw < tierShares.platinum ? "platinum" : draw < tierShares.platinum + tierShares.gold ? "gold" : "standard";
  return {
    name: `${first} ${last}`,
    // 555-01xx-style numbers are reserved for fiction; the sequence keeps each customer's own.
    phone: `+1202555${String(1000 + (seq % 9000)).padStart(4, "0")}`,
    email: `${first}.${last}.${seq}@customer.test`.toLowerCase(),
    tier,
    optedOut: false,
  };
}
