// Opening hours: windows that wrap past midnight, daylight-saving days, and bad windows refused.
import { describe, expect, it } from "vitest";
import { BusinessHours, isOpen } from "../shared/business-hours.ts";

const at = (iso: string) => new Date(iso);

describe("opening hours", () => {
  // 2026-11-01 is a Sunday, 2026-11-02 a Monday. Europe/Paris is on CET (UTC+1) then.
  const lateNight: BusinessHours = { sun: [["22:00", "02:00"]] };

  it("a window wrapping past midnight is open until it ends on the next day", () => {
    expect(isOpen(lateNight, "Europe/Paris", at("2026-11-01T20:59:00Z"))).toBe(false); // Sun 21:59
    expect(isOpen(lateNight, "Europe/Paris", at("2026-11-01T21:00:00Z"))).toBe(true); // Sun 22:00
    expect(isOpen(lateNight, "Europe/Paris", at("2026-11-01T22:30:00Z"))).toBe(true); // Sun 23:30
    // Monday 01:00 and 01:30 belong to Sunday's 22:00–02:00 window, though Monday has no hours of its own.
    expect(isOpen(lateNight, "Europe/Paris", at("2026-11-02T00:00:00Z"))).toBe(true); // Mon 01:00
    expect(isOpen(lateNight, "Europe/Paris", at("2026-11-02T00:30:00Z"))).toBe(true); // Mon 01:30
    expect(isOpen(lateNight, "Europe/Paris", at("2026-11-02T01:00:00Z"))).toBe(false); // Mon 02:00
    expect(isOpen(lateNight, "Europe/Paris", at("2026-11-02T01:30:00Z"))).toBe(false); // Mon 02:30
    // Saturday night is not Sunday night.
    expect(isOpen(lateNight, "Europe/Paris", at("2026-11-01T00:00:00Z"))).toBe(false); // Sun 01:00
  });

  it("Sunday's window wraps into Monday across the end of the week, and 00:00–24:00 is the whole day", () => {
    expect(isOpen({ sun: [["23:00", "01:00"]] }, "UTC", at("2026-11-02T00:59:00Z"))).toBe(true);
    expect(isOpen({ mon: [["00:00", "24:00"]] }, "UTC", at("2026-11-02T23:59:00Z"))).toBe(true);
    expect(isOpen({ mon: [["00:00", "24:00"]] }, "UTC", at("2026-11-03T00:00:00Z"))).toBe(false);
    expect(isOpen({}, "UTC", at("2026-11-03T00:00:00Z"))).toBe(true);
  });

  const officeHours: BusinessHours = { sun: [["09:00", "17:00"]] };

  it("Europe/Paris on its spring-forward day (2026-03-29: 02:00 becomes 03:00, UTC+1 → UTC+2)", () => {
    expect(isOpen(officeHours, "Europe/Paris", at("2026-03-29T06:59:00Z"))).toBe(false); // 08:59 CEST
    expect(isOpen(officeHours, "Europe/Paris", at("2026-03-29T07:00:00Z"))).toBe(true); // 09:00 CEST
    expect(isOpen(officeHours, "Europe/Paris", at("2026-03-29T14:59:00Z"))).toBe(true); // 16:59 CEST
    expect(isOpen(officeHours, "Europe/Paris", at("2026-03-29T15:00:00Z"))).toBe(false); // 17:00 CEST
    // 01:00–02:30 loses its skipped half hour: 01:59 CET is open, the next minute is 03:00 CEST.
    const early: BusinessHours = { sun: [["01:00", "02:30"]] };
    expect(isOpen(early, "Europe/Paris", at("2026-03-29T00:59:00Z"))).toBe(true);
    expect(isOpen(early, "Europe/Paris", at("2026-03-29T01:00:00Z"))).toBe(false);
  });

  it("Europe/Paris on its fall-back day (2026-10-25: 03:00 becomes 02:00, UTC+2 → UTC+1)", () => {
    expect(isOpen(officeHours, "Europe/Paris", at("2026-10-25T07:59:00Z"))).toBe(false); // 08:59 CET
    expect(isOpen(officeHours, "Europe/Paris", at("2026-10-25T08:00:00Z"))).toBe(true); // 09:00 CET
    expect(isOpen(officeHours, "Europe/Paris", at("2026-10-25T16:00:00Z"))).toBe(false); // 17:00 CET
    // 02:00–03:00 comes twice, and is open both times.
    const repeated: BusinessHours = { sun: [["02:00", "03:00"]] };
    expect(isOpen(repeated, "Europe/Paris", at("2026-10-25T00:30:00Z"))).toBe(true); // 02:30 CEST
    expect(isOpen(repeated, "Europe/Paris", at("2026-10-25T01:30:00Z"))).toBe(true); // 02:30 CET
    expect(isOpen(repeated, "Europe/Paris", at("2026-10-25T02:00:00Z"))).toBe(false); // 03:00 CET
  });

  it("America/New_York on its spring-forward and fall-back days", () => {
    // 2026-03-08: 02:00 EST becomes 03:00 EDT (UTC-5 → UTC-4).
    expect(isOpen(officeHours, "America/New_York", at("2026-03-08T12:59:00Z"))).toBe(false); // 08:59 EDT
    expect(isOpen(officeHours, "America/New_York", at("2026-03-08T13:00:00Z"))).toBe(true); // 09:00 EDT
    expect(isOpen(officeHours, "America/New_York", at("2026-03-08T21:00:00Z"))).toBe(false); // 17:00 EDT
    // 2026-11-01: 02:00 EDT becomes 01:00 EST (UTC-4 → UTC-5).
    expect(isOpen(officeHours, "America/New_York", at("2026-11-01T13:59:00Z"))).toBe(false); // 08:59 EST
    expect(isOpen(officeHours, "America/New_York", at("2026-11-01T14:00:00Z"))).toBe(true); // 09:00 EST
    expect(isOpen(officeHours, "America/New_York", at("2026-11-01T22:00:00Z"))).toBe(false); // 17:00 EST
    // Saturday night's 22:00–02:00 spans the change: open at 01:30 EDT, at 01:30 EST, closed at 02:00 EST.
    const night: BusinessHours = { sat: [["22:00", "02:00"]] };
    expect(isOpen(night, "America/New_York", at("2026-11-01T05:30:00Z"))).toBe(true);
    expect(isOpen(night, "America/New_York", at("2026-11-01T06:30:00Z"))).toBe(true);
    expect(isOpen(night, "America/New_York", at("2026-11-01T07:00:00Z"))).toBe(false);
  });

  it("refuses bad windows, saying which one", () => {
    const issue = (hours: unknown) => {
      const parsed = BusinessHours.safeParse(hours);
      return parsed.success ? null : { path: parsed.error.issues[0]!.path, code: parsed.error.issues[0]!.code };
    };
    expect(issue({ mon: [["09:00", "09:00"]] })).toEqual({ path: ["mon", 0], code: "custom" });
    expect(issue({ mon: [["24:00", "02:00"]] })).toEqual({ path: ["mon", 0], code: "custom" });
    expect(issue({ mon: [["9:00", "17:00"]] })).toMatchObject({ path: ["mon", 0, 0] });
    expect(issue({ mon: [["09:00", "25:00"]] })).toMatchObject({ path: ["mon", 0, 1] });
    expect(issue({ mon: [["09:00", "17:00"], ["16:00", "18:00"]] })).toEqual({ path: ["mon", 1], code: "custom" });
    // Sunday night's window runs into Monday morning's.
    expect(issue({ mon: [["01:00", "09:00"]], sun: [["22:00", "02:00"]] })).toEqual({ path: ["sun", 0], code: "custom" });
    expect(issue({ mon: [["02:00", "09:00"]], sun: [["22:00", "02:00"]] })).toBeNull();
    expect(issue({ funday: [["09:00", "17:00"]] })).not.toBeNull();
  });
});
