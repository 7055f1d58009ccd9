// Wire types of canned replies: saved answers with a shortcut, managed by supervisors and admins.
import { z } from "zod";
import { Channel } from "./domain.ts";

export const CANNED_REPLY_BODY_MAX = 5000;

export const CannedReplyShortcut = z
  .string()
  .trim()
  .regex(/^[a-z0-9-]{1,40}$/, "must be 1 to 40 lower-case letters, digits or '-'");

export const CreateCannedReplyBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    shortcut: CannedReplyShortcut,
    body: z.string().min(1).max(CANNED_REPLY_BODY_MAX),
    /** Null: offered on every channel. */
    channel: Channel.nullable().default(null),
  })
  .strict();
export type CreateCannedReplyBody = z.infer<typeof CreateCannedReplyBody>;

/** Absent fields stay. */
export const UpdateCannedReplyBody = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    shortcut: CannedReplyShortcut.optional(),
    body: z.string().min(1).max(CANNED_REPLY_BODY_MAX).optional(),
    channel: Channel.nullable().optional(),
  })
  .strict();
export type UpdateCannedReplyBody = z.infer<typeof UpdateCannedReplyBody>;

export const CannedReplyListQuery = z.object({ channel: Channel.optional() }).strict();

export const CannedReplyView = z.object({
  id: z.string(),
  title: z.string(),
  shortcut: z.string(),
  body: z.string(),
  channel: Channel.nullable(),
  createdBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CannedReplyView = z.infer<typeof CannedReplyView>;

export const CannedReplyResponse = z.object({ cannedReply: CannedReplyView });
export const CannedReplyListResponse = z.object({ cannedReplies: z.array(CannedReplyView) });
