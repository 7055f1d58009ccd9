import { useEffect, useState } from "react";
import { Channel, CustomerTier } from "../../../shared/domain.ts";
import { channelLabel } from "../../../shared/events.ts";
import type { ServiceTargetView } from "../../../shared/queues.ts";
import { errorMessage } from "../../lib/api.ts";
import { queueAdminApi } from "../../lib/queue-admin-api.ts";
import { tierLabel } from "../../workspace/common/format.ts";

export type Props = { queueId: string; canManage: boolean };
const key = (tier: string, channel: string) => `${tier}/${channel}`;

/** Seconds to answer per tier and channel: blank keeps the built-in default (shown as the placeholder). */
export function QueueTargetsForm({ queueId, canManage }: Props) {
  const [targets, setTargets] = useState<ServiceTargetView[]>([]);
  const [values, setValues] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const take = (list: ServiceTargetView[]) => {
    setTargets(list);
    setValues(Object.fromEntries(list.filter((t) => t.source === "set").map((t) => [key(t.tier, t.channel), String(t.seconds)])));
  };
  useEffect(() => {
    queueAdminApi.targets(queueId).then((r) => take(r.targets), (error) => setProblem(errorMessage(error)));
  }, [queueId]);

  async function save() {
    setProblem(null);
    setSaved(false);
    try {
      const set = Object.entries(values).filter(([, v]) => v.trim() !== "").map(([k, v]) => {
        const [tier, channel] = k.split("/") as [CustomerTier, Channel];
        return { tier, channel, seconds: Number(v) };
      });
      take((await queueAdminApi.putTargets(queueId, { targets: set })).targets);
      setSaved(true);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }

  const builtIn = (tier: string, channel: string) => targets.find((t) => t.tier === tier && t.channel === channel && t.source === "default")?.seconds;
  return (
    <div data-testid="queue-targets">
      <table className="admin-table">
        <thead><tr><th>Tier</th>{Channel.options.map((c) => <th key={c}>{channelLabel[c]} (s)</th>)}</tr></thead>
        <tbody>
          {CustomerTier.options.map((tier) => (
            <tr key={tier}>
              <td>{tierLabel[tier]}</td>
              {Channel.options.map((channel) => (
                <td key={channel}>
                  <input className="input queue-form__level" aria-label={`Target for ${tierLabel[tier]} on ${channelLabel[channel]}`} inputMode="numeric" disabled={!canManage}
                    placeholder={String(builtIn(tier, channel) ?? "")} value={values[key(tier, channel)] ?? ""}
                    onChange={(e) => setValues((current) => ({ ...current, [key(tier, channel)]: e.target.value }))} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {problem && <p className="admin__error" role="alert">{problem}</p>}
      {saved && <p className="admin__notice" role="status">Targets saved.</p>}
      {canManage && <div className="admin-table__actions"><button className="button button--primary" type="button" onClick={() => void save()}>Save targets</button></div>}
    </div>
  );
}
