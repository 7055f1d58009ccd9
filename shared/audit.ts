// Wire types of the audit log (GET /api/audit-events, admins only): who changed what, newest first.
import { z } from "zod";

/** A page cursor: the last row's time and id ("<ISO time>_<uuid>"), so paging is keyset on (created_at, id). */
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

export const AuditCursor = z
  .string()
  .regex(CURSOR, "must be a cursor from a previous page")
  .transform((value) => {
    const [, at, id] = CURSOR.exec(value)!;
    return { createdAt: new Date(at!), id: id!.toLowerCase() };
  })
  .refine((c) => !Number.isNaN(c.createdAt.getTime()), "must be a cursor from a previous page");

export const encodeAuditCursor = (row: { createdAt: string; id: string }) => `${row.createdAt}_${row.id}`;

const Word = z.string().trim().min(1).max(100);

export const AuditEventsQuery = z
  .object({
    entityType: Word.optional(),
    entityId: Word.optional(),
    actorId: z.string().uuid("must be a valid id").optional(),
    action: Word.optional(),
    /** `nextCursor` of the previous page: the rows older than it. */
    before: AuditCursor.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type AuditEventsQuery = z.infer<typeof AuditEventsQuery>;

export const AuditEventView = z.object({
  id: z.string(),
  createdAt: z.string(),
  /** Null: the operator's command line or the system itself. */
  actor: z.object({ id: z.string(), name: z.string() }).nullable(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string(),
  data: z.unknown(),
});
export type AuditEventView = z.infer<typeof AuditEventView>;

export const AuditEventsPage = z.object({
  events: z.array(AuditEventView),
  /** Pass as `before` for the older page; null when there is none. */
  nextCursor: z.string().nullable(),
});
export type AuditEventsPage = z.infer<typeof AuditEventsPage>;
