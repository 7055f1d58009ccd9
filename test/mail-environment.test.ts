// The mail settings of the environment (IMAP_URL, SMTP_URL, MAIL_FROM) and ENCRYPTION_KEY, read and
// checked at start like the rest of the configuration: a bad or partial set stops start naming the variable.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../server/config.ts";
import { parseMailEnvironment } from "../server/domain/mailboxes/environment-mailbox.ts";

describe("IMAP_URL, SMTP_URL and MAIL_FROM", () => {
  const env = { IMAP_URL: "imap://support:secret@mail.acme.test/INBOX", SMTP_URL: "smtp://mail.acme.test", MAIL_FROM: "support@acme.test" };

  it("read the servers, ports, TLS, folder and credentials from the URLs", () => {
    expect(parseMailEnvironment({})).toBeNull();
    expect(parseMailEnvironment({ IMAP_URL: "", SMTP_URL: " ", MAIL_FROM: "" })).toBeNull();
    expect(parseMailEnvironment(env)).toEqual({
      address: "support@acme.test",
      displayName: null,
      imap: { host: "mail.acme.test", port: 143, secure: false, user: "support", password: "secret", folder: "INBOX" },
      smtp: { host: "mail.acme.test", port: 587, secure: false, user: null, password: null },
    });
    expect(
      parseMailEnvironment({
        IMAP_URL: "imaps://support%40acme.test:p%3Ass%2Fw0rd@imap.acme.test/Support%20Tickets",
        SMTP_URL: "smtps://support%40acme.test:s%40cret@smtp.acme.test",
        MAIL_FROM: '"Acme, Support" <Support@Acme.test>',
      }),
    ).toEqual({
      address: "support@acme.test",
      displayName: "Acme, Support",
      imap: { host: "imap.acme.test", port: 993, secure: true, user: "support@acme.test", password: "p:ss/w0rd", folder: "Support Tickets" },
      smtp: { host: "smtp.acme.test", port: 465, secure: true, user: "support@acme.test", password: "s@cret" },
    });
    expect(parseMailEnvironment({ ...env, IMAP_URL: "imaps://u:p@h:1993", SMTP_URL: "smtp://u:p@h:2525", MAIL_FROM: "Acme Support <support@acme.test>" })).toMatchObject({
      displayName: "Acme Support",
      imap: { port: 1993, secure: true, folder: "INBOX" },
      smtp: { port: 2525, user: "u", password: "p" },
    });
  });

  it("are all set or none: a partial set names the missing variable", () => {
    expect(() => parseMailEnvironment({ IMAP_URL: env.IMAP_URL })).toThrow(ConfigError);
    expect(() => parseMailEnvironment({ IMAP_URL: env.IMAP_URL, MAIL_FROM: env.MAIL_FROM })).toThrow(/^Configuration error: SMTP_URL is required/);
    expect(() => parseMailEnvironment({ SMTP_URL: env.SMTP_URL })).toThrow(/^Configuration error: IMAP_URL is required/);
  });

  it("refuse a bad value, naming the variable, and stop loadConfig", () => {
    const cases: [Record<string, string>, string][] = [
      [{ IMAP_URL: "not a url" }, "IMAP_URL"],
      [{ IMAP_URL: "http://u:p@mail.acme.test" }, "IMAP_URL"],
      [{ IMAP_URL: "imap://mail.acme.test/INBOX" }, "IMAP_URL"],
      [{ IMAP_URL: "imap://u:p@mail.acme.test:99999" }, "IMAP_URL"],
      [{ SMTP_URL: "smtp//mail.acme.test" }, "SMTP_URL"],
      [{ SMTP_URL: "imap://mail.acme.test" }, "SMTP_URL"],
      [{ MAIL_FROM: "Acme Support" }, "MAIL_FROM"],
      [{ MAIL_FROM: "Acme <not an address>" }, "MAIL_FROM"],
    ];
    for (const [override, name] of cases) {
      expect(() => parseMailEnvironment({ ...env, ...override }), JSON.stringify(override)).toThrow(new RegExp(`^Configuration error: ${name} `));
    }
    const base = { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/x", SESSION_SECRET: "s".repeat(32) };
    expect(() => loadConfig({ ...base, ...env, MAIL_FROM: "nobody" })).toThrow(/^Configuration error: MAIL_FROM /);
    expect(loadConfig({ ...base, ...env }).mailEnvironment).toMatchObject({ address: "support@acme.test" });
    expect(loadConfig(base).mailEnvironment).toBeNull();
  });

  it("ENCRYPTION_KEY, when set, is at least 32 characters and gives another key than SESSION_SECRET's", () => {
    const base = { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/x", SESSION_SECRET: "s".repeat(32) };
    expect(() => loadConfig({ ...base, ENCRYPTION_KEY: "short" })).toThrow("Configuration error: ENCRYPTION_KEY must be at least 32 characters");
    const derived = loadConfig(base).encryptionKey;
    const own = loadConfig({ ...base, ENCRYPTION_KEY: "k".repeat(32) }).encryptionKey;
    expect(derived).toHaveLength(32);
    expect(own).toHaveLength(32);
    expect(own.equals(derived)).toBe(false);
    expect(loadConfig({ ...base, ENCRYPTION_KEY: "k".repeat(32) }).encryptionKey.equals(own)).toBe(true);
    // Never the session secret itself, nor a key that also opens what another install sealed.
    expect(derived.equals(Buffer.from(base.SESSION_SECRET).subarray(0, 32))).toBe(false);
  });
});
