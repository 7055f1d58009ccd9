// The chat widgets a business embeds in its sites: supervisors read them; admins add one, change its
// allowed sites and queue, copy its embed line, and rotate the secret that signs a signed-in visitor.
import { useCallback, useEffect, useState } from "react";
import type { WidgetView } from "../../../shared/api.ts";
import type { QueueView } from "../../../shared/queues.ts";
import { api, errorMessage } from "../../lib/api.ts";
import { widgetApi } from "../../lib/widget-api.ts";
import { WidgetForm, type WidgetFormValues } from "./widget-form.tsx";
import "./widgets.css";

export type Props = { canManage: boolean };

export function WidgetsScreen({ canManage }: Props) {
  const [widgets, setWidgets] = useState<WidgetView[] | null>(null);
  const [queues, setQueues] = useState<QueueView[]>([]);
  const [problem, setProblem] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | "new" | null>(null);

  const load = useCallback(async () => {
    try {
      const [list, queueList] = await Promise.all([widgetApi.list(), api.queues()]);
      setWidgets(list.widgets);
      setQueues(queueList.queues);
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }, []);
  useEffect(() => void load(), [load]);

  const replace = (widget: WidgetView) => setWidgets((list) => list && list.map((w) => (w.publicKey === widget.publicKey ? widget : w)));

  async function create(values: WidgetFormValues) {
    await widgetApi.create(values);
    setEditing(null);
    await load();
  }

  return (
    <section className="admin__section" data-testid="widgets-screen">
      <h2>Chat widgets</h2>
      {!canManage && <p className="admin__notice">Supervisors see the widgets; only admins change them or see their secrets.</p>}
      {problem && <p className="admin__error" role="alert">{problem}</p>}
      {canManage &&
        (editing === "new" ? (
          <div className="admin__section">
            <h2>Add widget</h2>
            <WidgetForm queues={queues} submitLabel="Add widget" onSubmit={create} onCancel={() => setEditing(null)} />
          </div>
        ) : (
          <p>
            <button className="button button--primary" type="button" onClick={() => setEditing("new")} data-testid="add-widget">
              Add widget
            </button>
          </p>
        ))}
      {widgets?.length === 0 && <p className="admin__notice">No widget yet: add one, then paste its embed line into your site.</p>}
      {widgets?.map((widget) => (
        <WidgetCard
          key={widget.publicKey}
          widget={widget}
          queues={queues}
          canManage={canManage}
          editing={editing === widget.publicKey}
          onEdit={(on) => setEditing(on ? widget.publicKey : null)}
          onChanged={replace}
        />
      ))}
    </section>
  );
}

type CardProps = {
  widget: WidgetView;
  queues: QueueView[];
  canManage: boolean;
  editing: boolean;
  onEdit: (on: boolean) => void;
  onChanged: (widget: WidgetView) => void;
};

function WidgetCard({ widget, queues, canManage, editing, onEdit, onChanged }: CardProps) {
  const [showSecret, setShowSecret] = useState(false);
  const [confirmRotate, setConfirmRotate] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const queueName = widget.queueId ? (queues.find((q) => q.id === widget.queueId)?.name ?? "a queue") : "the default queue";

  async function save(values: WidgetFormValues) {
    onChanged((await widgetApi.update(widget.publicKey, values)).widget);
    onEdit(false);
  }

  async function rotate() {
    try {
      onChanged((await widgetApi.rotateSecret(widget.publicKey)).widget);
      setConfirmRotate(false);
      setShowSecret(true);
      setNote("A new secret is in force: put it on your site's server. Identities signed with the old one are refused from now on.");
    } catch (error) {
      setNote(errorMessage(error));
    }
  }

  async function copy(text: string) {
    try {
      await navigator.clipboard.writeText(text);
      setNote("Copied.");
    } catch {
      setNote("Select the line and copy it: this browser did not allow copying.");
    }
  }

  return (
    <article className="admin-card" data-testid="widget-card" data-widget-key={widget.publicKey}>
      <h3>{widget.name}</h3>
      {editing ? (
        <WidgetForm
          initial={{ name: widget.name, allowedOrigins: widget.allowedOrigins, queueId: widget.queueId }}
          queues={queues}
          submitLabel="Save"
          onSubmit={save}
          onCancel={() => onEdit(false)}
        />
      ) : (
        <dl className="admin-card__facts">
          <dt>Allowed sites</dt>
          <dd data-testid="widget-origins">{widget.allowedOrigins.join(", ")}</dd>
          <dt>Chats join</dt>
          <dd>{queueName}</dd>
          <dt>Embed line</dt>
          <dd>
            <code className="admin-card__code" data-testid="widget-embed">{widget.embedSnippet}</code>{" "}
            <button className="link-button" type="button" onClick={() => void copy(widget.embedSnippet)}>
              Copy
            </button>
          </dd>
          {widget.identitySecret !== null && (
            <>
              <dt>Identity secret</dt>
              <dd>
                <code className="admin-card__code" data-testid="widget-secret">{showSecret ? widget.identitySecret : "••••••••••••"}</code>{" "}
                <button className="link-button" type="button" onClick={() => setShowSecret(!showSecret)}>
                  {showSecret ? "Hide" : "Show"}
                </button>
              </dd>
            </>
          )}
        </dl>
      )}
      {note && <p className="admin__notice" role="status">{note}</p>}
      {canManage && !editing && (
        <div className="admin-table__actions">
          <button className="button" type="button" onClick={() => onEdit(true)} data-testid="edit-widget">
            Edit
          </button>
          {confirmRotate ? (
            <>
              <span className="admin__notice">Sites signing with the current secret stop being verified until they use the new one.</span>
              <button className="button button--danger" type="button" onClick={() => void rotate()} data-testid="confirm-rotate">
                Rotate now
              </button>
              <button className="button" type="button" onClick={() => setConfirmRotate(false)}>
                Keep it
              </button>
            </>
          ) : (
            <button className="button" type="button" onClick={() => setConfirmRotate(true)} data-testid="rotate-secret">
              Rotate secret…
            </button>
          )}
        </div>
      )}
    </article>
  );
}
