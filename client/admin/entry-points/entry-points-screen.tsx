// Where customers come in: the Twilio numbers and the mailboxes, each mapped to the queue it feeds.
// Supervisors read; admins change (the server checks again).
import { useCallback, useEffect, useState } from "react";
import type { MailboxView } from "../../../shared/email.ts";
import type { PhoneNumberView, QueueView } from "../../../shared/queues.ts";
import { api, errorMessage } from "../../lib/api.ts";
import { entryPointApi } from "../../lib/entry-point-api.ts";
import { MailboxesSection } from "./mailboxes-section.tsx";
import { NumbersSection } from "./numbers-section.tsx";
import "./entry-points.css";

export function EntryPointsScreen({ canManage }: { canManage: boolean }) {
  const [data, setData] = useState<{ numbers: PhoneNumberView[]; mailboxes: MailboxView[]; queues: QueueView[] } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [numbers, mailboxes, queues] = await Promise.all([entryPointApi.numbers(), entryPointApi.mailboxes(), api.queues()]);
      setData({ numbers: numbers.phoneNumbers, mailboxes: mailboxes.mailboxes, queues: queues.queues });
      setProblem(null);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  }, []);
  useEffect(() => void load(), [load]);

  return (
    <div className="admin__stack" data-testid="entry-points-screen">
      {!canManage && <p className="admin__notice">Supervisors see the entry points; only admins change them.</p>}
      {problem && <p className="admin__error" role="alert">{problem}</p>}
      {data && (
        <>
          <NumbersSection numbers={data.numbers} queues={data.queues} canManage={canManage} onChanged={() => void load()} />
          <MailboxesSection mailboxes={data.mailboxes} queues={data.queues} canManage={canManage} onChanged={() => void load()} />
        </>
      )}
    </div>
  );
}
