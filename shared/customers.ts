// The customer record as the workspace's panel edits it: name, tags, customer notes.
import { z } from "zod";

/** A tag is a short lower-case label; "VIP " and "vip" are the same tag. */
export const Tag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, "a tag cannot be empty")
  .max(32, "a tag has at most 32 characters")
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} _-]*$/u, "a tag is letters, digits, spaces, - and _");

export const MAX_TAGS = 20;

export const UpdateCustomerBody = z
  .object({
    /** null clears it: the customer is then named by their phone or email. */
    displayName: z.string().trim().max(120, "a name has at most 120 characters").nullable().optional(),
    tags: z
      .array(Tag)
      .max(MAX_TAGS, `at most ${MAX_TAGS} tags`)
      .transform((tags) => [...new Set(tags)])
      .optional(),
  })
  .strict()
  .refine((b) => b.displayName !== undefined || b.tags !== undefined, "nothing to change");
export type UpdateCustomerBody = z.infer<typeof UpdateCustomerBody>;

export const AddCustomerNoteBody = z.object({ body: z.string().trim().min(1, "a note cannot be empty").max(4000, "a note has at most 4000 characters") }).strict();

export const CustomerNoteView = z.object({
  id: z.string(),
  body: z.string(),
  author: z.object({ id: z.string(), name: z.string() }),
  conversationId: z.string().nullable(),
  createdAt: z.string(),
});
export type CustomerNoteView = z.infer<typeof CustomerNoteView>;
export const CustomerNotesResponse = z.object({ notes: z.array(CustomerNoteView) });
