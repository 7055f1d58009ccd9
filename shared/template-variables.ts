// Variables of canned replies ({{customer.firstName}}, {{agent.name}}, …): filled in the composer from
// the conversation, and any placeholder left is what the composer and the server refuse to send.

export const TEMPLATE_VARIABLES = ["customer.name", "customer.firstName", "agent.name", "agent.firstName", "conversation.reference"] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** What a conversation knows; an absent or blank value leaves its placeholder in place. */
export type TemplateValues = Partial<Record<TemplateVariable, string | null>>;

/** `{{name}}` or `{{ a.b }}`: a dotted identifier between double braces, nothing else (braces in prose stay prose). */
const PLACEHOLDER = /\{\{\s*([a-zA-Z]+(?:\.[a-zA-Z]+)*)\s*\}\}/g;

const isKnown = (name: string): name is TemplateVariable => (TEMPLATE_VARIABLES as readonly string[]).includes(name);

/** The first word of a name ("Ann" of "Ann Lee"); null when there is none. */
export function firstName(name: string | null | undefined): string | null {
  return name?.trim().split(/\s+/)[0] || null;
}

/** The human reference of a conversation, as acknowledgements quote it. */
export const conversationReference = (reference: string | number | bigint) => `SB-${reference}`;

/**
 * Fills the known variables that have a value. The others stay as written (`{{…}}`) and are listed in
 * `missing` once each, in order: a known one without a value, or a name we do not know (a typo).
 */
export function fillTemplate(body: string, values: TemplateValues): { text: string; missing: string[] } {
  const missing: string[] = [];
  const text = body.replace(PLACEHOLDER, (placeholder, name: string) => {
    const value = isKnown(name) ? values[name]?.trim() : undefined;
    if (value) return value;
    if (!missing.includes(name)) missing.push(name);
    return placeholder;
  });
  return { text, missing };
}

/** The variable names of every placeholder still in the text, once each: a reply with any is not sent. */
export function unfilledVariables(text: string): string[] {
  return [...new Set(Array.from(text.matchAll(PLACEHOLDER), (m) => m[1]!))];
}
