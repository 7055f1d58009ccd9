// Parses a request part with a zod schema, or fails with a 400 that names the field.
import type { z } from "zod";
import { AppError } from "../errors.ts";

export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join(".");
  throw new AppError("VALIDATION", field ? `${field}: ${issue.message}` : issue.message, result.error.issues);
}
