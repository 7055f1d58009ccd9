// How many SMS a text is sent as: GSM-7 (160 characters, 153 per part when split) unless a character
// is outside it, then UCS-2 (70 UTF-16 units, 67 per part). Extension characters (€, [, ], {, }, …)
// take two places in GSM-7. The agent sees this before sending, as carriers bill per segment.

const GSM_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM_EXTENDED = "^{}\\[~]|€\f";

const basic = new Set(GSM_BASIC);
const extended = new Set(GSM_EXTENDED);

export interface SmsSegments {
  encoding: "GSM-7" | "UCS-2";
  /** Places used: GSM-7 septets, or UCS-2 16-bit units. */
  units: number;
  segments: number;
  /** Places left in the last segment before another one starts. */
  remaining: number;
}

export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (basic.has(ch)) septets += 1;
    else if (extended.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  const [units, single, multi] = gsm ? [septets, 160, 153] : [text.length, 70, 67];
  if (units === 0) return { encoding: gsm ? "GSM-7" : "UCS-2", units: 0, segments: 0, remaining: single };
  const segments = units <= single ? 1 : Math.ceil(units / multi);
  const capacity = segments === 1 ? single : segments * multi;
  return { encoding: gsm ? "GSM-7" : "UCS-2", units, segments, remaining: capacity - units };
}
