// The composer's SMS counter: GSM-7 and UCS-2 segment arithmetic as carriers bill it.
import { describe, expect, it } from "vitest";
import { smsSegments } from "../shared/sms-segments.ts";

describe("smsSegments", () => {
  it.each([
    ["", "GSM-7", 0, 0],
    ["a".repeat(160), "GSM-7", 160, 1],
    ["a".repeat(161), "GSM-7", 161, 2],
    ["a".repeat(306), "GSM-7", 306, 2],
    ["a".repeat(307), "GSM-7", 307, 3],
    ["€".repeat(80), "GSM-7", 160, 1],
    ["€".repeat(81), "GSM-7", 162, 2],
    ["é".repeat(160), "GSM-7", 160, 1],
    ["ç".repeat(70), "UCS-2", 70, 1],
    ["ç".repeat(71), "UCS-2", 71, 2],
    ["Hi 👋", "UCS-2", 5, 1],
    ["ش".repeat(134), "UCS-2", 134, 2],
    ["ش".repeat(135), "UCS-2", 135, 3],
  ])("%j is %s, %i units, %i segments", (text, encoding, units, segments) => {
    const s = smsSegments(text);
    expect([s.encoding, s.units, s.segments]).toEqual([encoding, units, segments]);
  });

  it("says how many places are left before the next segment", () => {
    expect(smsSegments("hello").remaining).toBe(155);
    expect(smsSegments("a".repeat(200)).remaining).toBe(306 - 200);
  });
});
