// Adding an agent, or changing one's name, role, skills and capacity. The server validates: its
// VALIDATION issues are shown beside the fields they name, a CONFLICT (email taken) above the buttons.
import { useState, type FormEvent } from "react";
import type { AgentView } from "../../../shared/api.ts";
import { AgentRole } from "../../../shared/domain.ts";
import { useServerForm } from "../../lib/use-server-form.ts";

const CHANNELS = ["voice", "chat", "sms", "email"] as const;
type Capacity = Record<(typeof CHANNELS)[number], number>;

export interface AgentFormValues {
  name: string;
  email: string;
  password: string;
  role: AgentView["role"];
  skills: string[];
  capacity: Capacity;
}

export type Props = {
  /** Absent: a new agent (email and initial password asked for). */
  agent?: AgentView;
  onSubmit: (values: AgentFormValues) => Promise<void>;
  onCancel?: () => void;
};

const DEFAULT_CAPACITY: Capacity = { voice: 1, chat: 3, sms: 5, email: 8 };

export function AgentForm({ agent, onSubmit, onCancel }: Props) {
  const isNew = !agent;
  const [name, setName] = useState(agent?.name ?? "");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<AgentView["role"]>(agent?.role ?? "agent");
  const [skills, setSkills] = useState((agent?.skills ?? []).join(", "));
  const [capacity, setCapacity] = useState<Capacity>(agent?.capacity ?? DEFAULT_CAPACITY);
  // A field error is shown beside its field; anything else (email taken, last admin, …) above the buttons.
  const { busy, fields, problem, run } = useServerForm();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const skillList = skills.split(",").map((s) => s.trim()).filter(Boolean);
    await run(() => onSubmit({ name, email, password, role, skills: skillList, capacity }));
  }

  const errorFor = (field: string) =>
    fields[field] ? (
      <span className="agent-form__field-error" data-testid={`field-error-${field}`}>
        {fields[field]}
      </span>
    ) : null;

  return (
    <form className="agent-form" onSubmit={submit} data-testid={isNew ? "add-agent-form" : "edit-agent-form"} noValidate>
      <label>
        Name
        <input className="input" value={name} onChange={(e) => setName(e.target.value)} data-testid="agent-name" />
        {errorFor("name")}
      </label>
      {isNew && (
        <label>
          Email
          <input className="input" type="email" value={email} onChange={(e) => setEmail(e.target.value)} data-testid="agent-email" />
          {errorFor("email")}
        </label>
      )}
      {isNew && (
        <label>
          Initial password (at least 12 characters; leave it blank to get an invitation link instead)
          <input className="input" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="agent-password" />
          {errorFor("password")}
        </label>
      )}
      <label>
        Role
        <select className="input" value={role} onChange={(e) => setRole(e.target.value as AgentView["role"])} data-testid="agent-role">
          {AgentRole.options.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
        {errorFor("role")}
      </label>
      <label>
        Skills (comma separated)
        <input className="input" value={skills} onChange={(e) => setSkills(e.target.value)} data-testid="agent-skills" />
        {errorFor("skills")}
      </label>
      <div>
        <div className="agent-form__capacity">
          {CHANNELS.map((channel) => (
            <label key={channel}>
              {channel}
              <input
                className="input"
                type="number"
                min={0}
                value={capacity[channel]}
                onChange={(e) => setCapacity({ ...capacity, [channel]: e.target.value === "" ? 0 : Number(e.target.value) })}
                data-testid={`agent-capacity-${channel}`}
              />
            </label>
          ))}
        </div>
        {CHANNELS.map((channel) => <div key={channel}>{errorFor(`capacity.${channel}`)}</div>)}
      </div>
      {problem && (
        <p className="admin__error agent-form__buttons" role="alert" data-testid="agent-form-problem" data-error-code={problem.code}>
          {problem.code === "CONFLICT" ? `Not saved: ${problem.message}` : problem.message}
        </p>
      )}
      <div className="agent-form__buttons">
        <button className="button button--primary" type="submit" disabled={busy} data-testid="agent-save">
          {isNew ? "Add agent" : "Save changes"}
        </button>
        {onCancel && (
          <button className="button button--quiet" type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
