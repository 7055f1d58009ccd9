// Socket events answer through acks: `{ ok: true, data }` or `{ ok: false, error: { code, message } }`,
// with the same error codes as the REST API. Shared by the /agent and /chat namespaces.
import type { ErrorCode } from "../../shared/api.ts";
import { AppError, toErrorBody } from "../errors.ts";
import { cleanStrings } from "../http/clean-text.ts";
import type { Logger } from "../log.ts";

type Reply<T> = (result: { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } }) => void;

/** Runs fn and answers the ack; a client that sent no ack callback still gets the work done. */
export function answerAck<T>(log: Logger, ack: unknown, fn: () => Promise<T>): void {
  const reply = typeof ack === "function" ? (ack as Reply<T>) : () => {};
  fn().then(
    (data) => reply({ ok: true, data }),
    (err) => {
      const { body, status } = toErrorBody(err);
      if (status >= 500 && !(err instanceof AppError)) log.error("socket handler failed", { err });
      reply({ ok: false, error: { code: body.error.code, message: body.error.message } });
    },
  );
}

/** Parses a socket event with its zod schema, or throws VALIDATION with the first problem's message. */
export function parseEvent<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } },
  value: unknown,
): T {
  // Text PostgreSQL cannot store (NUL, lone surrogates) is cleaned before anything reads it.
  const result = schema.safeParse(cleanStrings(value));
  if (!result.success) throw new AppError("VALIDATION", result.error.issues[0]!.message);
  return result.data;
}
