// TwiML as the simulator reads it: the verbs of a <Response>, each with its attributes, text and nested verbs.
import { parseDocument } from "htmlparser2";
import type { ChildNode, Element } from "domhandler";

export interface Verb {
  name: string;
  attrs: Record<string, string>;
  text: string;
  children: Verb[];
}

const isElement = (n: ChildNode): n is Element => n.type === "tag";
const textOf = (n: ChildNode): string => ("data" in n && n.type === "text" ? n.data : "children" in n ? (n.children as ChildNode[]).map(textOf).join("") : "");

function toVerb(e: Element): Verb {
  return { name: e.name, attrs: { ...e.attribs }, text: textOf(e).trim(), children: e.children.filter(isElement).map(toVerb) };
}

/** The verbs of a TwiML document, in order; a document that is not TwiML has none (Twilio hangs up). */
export function parseTwiml(xml: string): Verb[] {
  const doc = parseDocument(xml, { xmlMode: true });
  const response = doc.children.filter(isElement).find((e) => e.name === "Response");
  return response ? response.children.filter(isElement).map(toVerb) : [];
}
