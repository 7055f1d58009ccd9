import { useState, type FormEvent } from "react";
import type { AfterMaxWait, QueueView } from "../../../shared/queues.ts";
import { queueAdminApi } from "../../lib/queue-admin-api.ts";
import { useServerForm } from "../../lib/use-server-form.ts";
import { DAYS, DAY_LABEL, hoursToText, textToHours } from "./hours-text.ts";

export type Props = { queue: QueueView; queues: QueueView[]; canManage: boolean; onSaved: (queue: QueueView) => void };

const afterMaxWaitLabel: Record<AfterMaxWait, string> = { voicemail: "Offer voicemail", callback: "Offer a callback", message: "Take a message" };

/** Name, time zone, hours, skills, longest wait and overflow of one queue. */
export function QueueSettingsForm({ queue, queues, canManage, onSaved }: Props) {
  const [name, setName] = useState(queue.name);
  const [timezone, setTimezone] = useState(queue.timezone);
  const [skills, setSkills] = useState(queue.requiredSkills.join(", "));
  const [maxWait, setMaxWait] = useState(String(queue.maxWaitSeconds));
  const [waitingAlert, setWaitingAlert] = useState(String(queue.waitingAlertSeconds));
  const [hours, setHours] = useState(hoursToText(queue.businessHours));
  const [overflowQueueId, setOverflowQueueId] = useState(queue.overflowQueueId ?? "");
  const [overflowAfter, setOverflowAfter] = useState(queue.overflowAfterSeconds === null ? "" : String(queue.overflowAfterSeconds));
  const [overflowWhenUnstaffed, setOverflowWhenUnstaffed] = useState(queue.overflowWhenUnstaffed);
  const [afterMaxWait, setAfterMaxWait] = useState<AfterMaxWait>(queue.afterMaxWait);
  const [isDefault, setIsDefault] = useState(queue.isDefault);
  const form = useServerForm();
  const [saved, setSaved] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    const done = await form.run(async () => {
      const { queue: updated } = await queueAdminApi.update(queue.id, {
        name: name.trim(),
        timezone: timezone.trim(),
        requiredSkills: skills.split(",").map((s) => s.trim()).filter(Boolean),
        maxWaitSeconds: Number(maxWait),
        waitingAlertSeconds: Number(waitingAlert),
        businessHours: textToHours(hours),
        overflowQueueId: overflowQueueId || null,
        overflowAfterSeconds: overflowAfter.trim() ? Number(overflowAfter) : null,
        overflowWhenUnstaffed,
        afterMaxWait,
        ...(isDefault && !queue.isDefault ? { isDefault: true } : {}),
      });
      onSaved(updated);
    });
    setSaved(done);
  }

  const problems = form.fields;
  const problem = (field: string) => problems[field] && <span className="admin__error" data-testid={`queue-error-${field}`}>{problems[field]}</span>;
  const hoursProblem = Object.entries(problems).find(([field]) => field.startsWith("businessHours"));
  return (
    <form className="queue-form" onSubmit={submit} data-testid="queue-settings-form" noValidate>
      <fieldset disabled={!canManage} className="queue-form__fields">
        <label>Name<input className="input" aria-label="Queue name" value={name} onChange={(e) => setName(e.target.value)} />{problem("name")}</label>
        <label>Time zone<input className="input" aria-label="Time zone" value={timezone} onChange={(e) => setTimezone(e.target.value)} />{problem("timezone")}</label>
        <label>Required skills (comma separated)<input className="input" aria-label="Required skills" value={skills} onChange={(e) => setSkills(e.target.value)} /></label>
        <label>Longest wait before the customer is offered something else (seconds)<input className="input" aria-label="Longest wait" inputMode="numeric" value={maxWait} onChange={(e) => setMaxWait(e.target.value)} />{problem("maxWaitSeconds")}</label>
        <label>Alert supervisors when the oldest wait is over (seconds)<input className="input" aria-label="Waiting alert" inputMode="numeric" value={waitingAlert} onChange={(e) => setWaitingAlert(e.target.value)} />{problem("waitingAlertSeconds")}</label>
        <label>
          After the longest wait
          <select className="input" aria-label="After the longest wait" value={afterMaxWait} onChange={(e) => setAfterMaxWait(e.target.value as AfterMaxWait)}>
            {(Object.keys(afterMaxWaitLabel) as AfterMaxWait[]).map((k) => <option key={k} value={k}>{afterMaxWaitLabel[k]}</option>)}
          </select>
        </label>
        <div className="queue-form__hours">
          <span>Opening hours in its time zone (e.g. 09:00-17:00, 18:00-20:00; blank: closed; all blank: always open)</span>
          {DAYS.map((day) => (
            <label key={day} className="queue-form__day">
              {DAY_LABEL[day]}
              <input className="input" aria-label={`Hours on ${DAY_LABEL[day]}`} value={hours[day]} onChange={(e) => setHours({ ...hours, [day]: e.target.value })} />
            </label>
          ))}
          {hoursProblem && <span className="admin__error" data-testid="queue-error-hours">{hoursProblem[1]}</span>}
        </div>
        <label>
          Overflow to
          <select className="input" aria-label="Overflow queue" value={overflowQueueId} onChange={(e) => setOverflowQueueId(e.target.value)}>
            <option value="">No overflow</option>
            {queues.filter((q) => q.id !== queue.id).map((q) => <option key={q.id} value={q.id}>{q.name}</option>)}
          </select>
          {problem("overflowQueueId")}
        </label>
        <label>After waiting (seconds; blank: never by time)<input className="input" aria-label="Overflow after" inputMode="numeric" value={overflowAfter} onChange={(e) => setOverflowAfter(e.target.value)} />{problem("overflowAfterSeconds")}</label>
        <label className="queue-form__check"><input type="checkbox" checked={overflowWhenUnstaffed} onChange={(e) => setOverflowWhenUnstaffed(e.target.checked)} /> Overflow at once when no member is signed in</label>
        <label className="queue-form__check"><input type="checkbox" checked={isDefault} disabled={queue.isDefault} onChange={(e) => setIsDefault(e.target.checked)} /> The default queue (for entry points that name none)</label>
      </fieldset>
      {form.problem && <p className="admin__error" role="alert">{form.problem.message}</p>}
      {saved && <p className="admin__notice" role="status">Saved.</p>}
      {canManage && <div className="admin-table__actions"><button className="button button--primary" type="submit">Save settings</button></div>}
    </form>
  );
}
