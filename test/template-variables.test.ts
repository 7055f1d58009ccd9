// The variables of canned replies: filled where there is a value, kept as {{…}} and named where not.
import { describe, expect, it } from "vitest";
import { fillTemplate, firstName, unfilledVariables } from "../shared/template-variables.ts";

describe("fillTemplate", () => {
  it("fills the known variables that have a value", () => {
    const values = { "customer.firstName": "Ann", "agent.name": "Robin Agent", "conversation.reference": "SB-1042" };
    expect(fillTemplate("Hi {{customer.firstName}}, this is {{ agent.name }} ({{conversation.reference}}).", values)).toEqual({
      text: "Hi Ann, this is Robin Agent (SB-1042).",
      missing: [],
    });
  });

  it("keeps a known variable without a value, and an unknown one, as written and lists each once", () => {
    const result = fillTemplate("Hi {{customer.firstName}} {{customer.firstName}}, {{business.name}} here; {{agent.name}}", {
      "customer.firstName": null,
      "agent.name": "  ",
    });
    expect(result).toEqual({
      text: "Hi {{customer.firstName}} {{customer.firstName}}, {{business.name}} here; {{agent.name}}",
      missing: ["customer.firstName", "business.name", "agent.name"],
    });
  });

  it("leaves braces that are not a placeholder alone", () => {
    expect(fillTemplate("Code {{ 42 }}, {x}, {{a b}}", {})).toEqual({ text: "Code {{ 42 }}, {x}, {{a b}}", missing: [] });
  });
});

describe("unfilledVariables", () => {
  it("names every dotted placeholder left, once", () => {
    expect(unfilledVariables("Hi {{customer.firstName}}, {{ agent.name }} and {{customer.firstName}}")).toEqual(["customer.firstName", "agent.name"]);
    expect(unfilledVariables("Nothing left {x} {{ 1 }}")).toEqual([]);
  });
});

describe("firstName", () => {
  it("is the first word of a name, or null", () => {
    expect(firstName("  Ann  Lee ")).toBe("Ann");
    expect(firstName(null)).toBeNull();
    expect(firstName(" ")).toBeNull();
  });
});
