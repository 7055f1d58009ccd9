// Mailbox passwords at rest: sealed with AES-256-GCM under a key of their own, so a database dump or
// backup alone does not give away the business's mail accounts. The text format carries its version,
// so a later key or cipher change can read the old rows while it reseals them.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT = "switchboard";
// Distinct info strings: the key from SESSION_SECRET is never the one sessions are signed with.
const INFO_FROM_ENCRYPTION_KEY = "switchboard/mailbox-secrets/v1";
const INFO_FROM_SESSION_SECRET = "switchboard/mailbox-secrets-from-session-secret/v1";

/** A sealed secret that cannot be opened: another key sealed it, it was altered, or it is not ours. */
export class SecretUnreadableError extends Error {
  constructor(readonly reason: "malformed" | "wrong_key_or_tampered") {
    super(
      reason === "malformed"
        ? "A stored secret is not in the sealed format (v1:iv:tag:ciphertext)"
        : "A stored secret cannot be opened: it was sealed with another ENCRYPTION_KEY (or SESSION_SECRET), or altered",
    );
    this.name = "SecretUnreadableError";
  }
}

/**
 * The 32-byte key that seals mailbox passwords: from ENCRYPTION_KEY when set, else derived from
 * SESSION_SECRET (then changing SESSION_SECRET makes stored passwords unreadable: set ENCRYPTION_KEY).
 */
export function secretsKey(settings: { encryptionKey?: string | undefined; sessionSecret: string }): Buffer {
  const [material, info] = settings.encryptionKey
    ? [settings.encryptionKey, INFO_FROM_ENCRYPTION_KEY]
    : [settings.sessionSecret, INFO_FROM_SESSION_SECRET];
  return Buffer.from(hkdfSync("sha256", material, SALT, info, 32));
}

export function sealSecret(key: Buffer, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ciphertext.toString("base64url")].join(":");
}

/** The clear text, or SecretUnreadableError (never garbage: GCM's tag proves key and content). */
export function openSecret(key: Buffer, sealed: string): string {
  const parts = sealed.split(":");
  if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretUnreadableError("malformed");
  const [iv, tag, ciphertext] = parts.slice(1).map((p) => Buffer.from(p, "base64url")) as [Buffer, Buffer, Buffer];
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretUnreadableError("malformed");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    // GCM reports a wrong key and altered bytes alike ("Unsupported state or unable to authenticate data").
    throw new SecretUnreadableError("wrong_key_or_tampered");
  }
}
