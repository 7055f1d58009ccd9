// One error type with a code; the table maps codes to HTTP statuses (and socket acks use the code).
import type { ErrorCode } from "../shared/api.ts";

export const HTTP_STATUS: Record<ErrorCode, number> = {
  VALIDATION: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_ASSIGNED: 403,
  AGENT_UNAVAILABLE: 409,
  VERIFICATION_FAILED: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CONSENT_REVOKED: 409,
  RATE_LIMITED: 429,
  TOO_LARGE: 413,
  CHANNEL_DISABLED: 503,
  PROVIDER_ERROR: 502,
  INTERNAL: 500,
};

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** Safe to show to the user. */
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export function toErrorBody(err: unknown): { status: number; body: { error: { code: ErrorCode; message: string; details?: unknown } } } {
  if (err instanceof AppError) {
    return { status: HTTP_STATUS[err.code], body: { error: { code: err.code, message: err.message, details: err.details } } };
  }
  // Never leak internals in a 500.
  return { status: 500, body: { error: { code: "INTERNAL", message: "Something went wrong on our side" } } };
}
