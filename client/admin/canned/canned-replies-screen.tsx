// Canned replies: saved answers agents find with "/" in the composer. Supervisors and admins add,
// edit and delete them (the server checks again; agents never reach the Team screens).
import { useCallback, useEffect, useState } from "react";
import type { CannedReplyView, CreateCannedReplyBody } from "../../../shared/canned-replies.ts";
import { errorMessage } from "../../lib/api.ts";
import { settingsApi } from "../../lib/admin-api.ts";
import { CannedReplyForm } from "./canned-reply-form.tsx";

const PREVIEW_LENGTH = 120;
const preview = (body: string) => (body.length > PREVIEW_LENGTH ? `${body.slice(0, PREVIEW_LENGTH)}…` : body);

export function CannedRepliesScreen() {
  const [replies, setReplies] = useState<CannedReplyView[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  /** "new", a reply's id being edited, or nothing. */
  const [editing, setEditing] = useState<string | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setReplies((await settingsApi.cannedReplies()).cannedReplies);
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }, []);
  useEffect(() => void load(), [load]);

  async function add(values: CreateCannedReplyBody) {
    await settingsApi.createCannedReply(values);
    setEditing(null);
    await load();
  }
  async function save(replyId: string, values: CreateCannedReplyBody) {
    await settingsApi.updateCannedReply(replyId, values);
    setEditing(null);
    await load();
  }
  async function remove(replyId: string) {
    try {
      await settingsApi.deleteCannedReply(replyId);
      setConfirmingDelete(null);
      await load();
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }

  return (
    <section className="admin__section" data-testid="canned-screen">
      <h2>Canned replies</h2>
      <p className="admin__notice">Agents type "/" and the shortcut in the composer to use one.</p>
      {problem && <p className="admin__error" role="alert">{problem}</p>}
      {editing === "new" ? (
        <div className="admin__section">
          <h2>Add canned reply</h2>
          <CannedReplyForm onSubmit={add} onCancel={() => setEditing(null)} />
        </div>
      ) : (
        <p>
          <button className="button button--primary" type="button" onClick={() => setEditing("new")} data-testid="add-canned">
            Add canned reply
          </button>
        </p>
      )}
      {replies === null ? (
        <p className="admin__notice">Loading…</p>
      ) : replies.length === 0 ? (
        <p className="admin__notice" data-testid="canned-empty">No canned replies yet.</p>
      ) : (
        <table className="admin-table" data-testid="canned-table">
          <thead>
            <tr>
              <th>Shortcut</th>
              <th>Title</th>
              <th>Channel</th>
              <th>Text</th>
              <th>Added by · last changed</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {replies.map((reply) =>
              editing === reply.id ? (
                <tr key={reply.id} data-testid="canned-row" data-shortcut={reply.shortcut}>
                  <td colSpan={6}>
                    <CannedReplyForm reply={reply} onSubmit={(values) => save(reply.id, values)} onCancel={() => setEditing(null)} />
                  </td>
                </tr>
              ) : (
                <tr key={reply.id} data-testid="canned-row" data-shortcut={reply.shortcut}>
                  <td className="canned-shortcut">/{reply.shortcut}</td>
                  <td>{reply.title}</td>
                  <td>{reply.channel ?? "every channel"}</td>
                  <td className="canned-preview" data-testid="canned-preview">{preview(reply.body)}</td>
                  <td>
                    {reply.createdBy?.name ?? "—"}
                    <div className="admin__notice">{new Date(reply.updatedAt).toLocaleString()}</div>
                  </td>
                  <td>
                    {confirmingDelete === reply.id ? (
                      <div className="agent-confirm" data-testid="canned-confirm-delete">
                        Delete /{reply.shortcut}? Agents can no longer use it.
                        <div className="admin-table__actions">
                          <button className="button button--danger" type="button" onClick={() => void remove(reply.id)} data-testid="canned-delete-confirm">
                            Delete
                          </button>
                          <button className="button button--quiet" type="button" onClick={() => setConfirmingDelete(null)}>
                            Keep
                          </button>
                        </div>
                      </div>
                    ) : (
                      <div className="admin-table__actions">
                        <button className="button" type="button" onClick={() => setEditing(reply.id)} data-testid="canned-edit">
                          Edit
                        </button>
                        <button className="button button--quiet" type="button" onClick={() => setConfirmingDelete(reply.id)} data-testid="canned-delete">
                          Delete
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
    </section>
  );
}
