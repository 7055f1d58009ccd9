// A form the server validates: while it saves it is busy; a VALIDATION answer's issues (and a CONFLICT
// that names its field) become messages beside the fields they name, anything else one problem line.
import { useCallback, useState } from "react";
import { ApiError, errorMessage } from "./api.ts";

/** Field name ("capacity.chat", "imap.host", …) → the server's message for it. */
export function fieldErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  if (error.code === "CONFLICT") {
    const field = (error.details as { field?: unknown } | undefined)?.field;
    return typeof field === "string" ? { [field]: error.message } : {};
  }
  if (error.code !== "VALIDATION" || !Array.isArray(error.details)) return {};
  const out: Record<string, string> = {};
  for (const issue of error.details as { path?: unknown[]; message?: string }[]) {
    const field = (issue.path ?? []).filter((p) => typeof p === "string").join(".");
    if (field && !out[field]) out[field] = issue.message ?? "Not valid";
  }
  return out;
}

export interface ServerForm {
  busy: boolean;
  /** The server's message per field. */
  fields: Record<string, string>;
  /** What went wrong that names no field (a conflict, the network); its code too. */
  problem: { message: string; code: string } | null;
  /** Runs the save; true when it went through, false when its error is now shown. */
  run(save: () => Promise<unknown>): Promise<boolean>;
}

export function useServerForm(): ServerForm {
  const [busy, setBusy] = useState(false);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<ServerForm["problem"]>(null);
  const run = useCallback(async (save: () => Promise<unknown>) => {
    setBusy(true);
    setFields({});
    setProblem(null);
    try {
      await save();
      return true;
    } catch (error) {
      const byField = fieldErrors(error);
      setFields(byField);
      if (Object.keys(byField).length === 0) setProblem({ message: errorMessage(error), code: error instanceof ApiError ? error.code : "UNKNOWN" });
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, fields, problem, run };
}
