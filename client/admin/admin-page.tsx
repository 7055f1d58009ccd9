// The Team screens (agents, queues, numbers and mailboxes, chat widgets, canned replies, away reasons, audit log) inside the one-page app, opened from the workspace header (#admin).
// Supervisors read, admins change (shared/DESIGN.md "Who may do what"); the server decides, this only hides.
import type { AgentView } from "../../shared/api.ts";
import { ADMIN_HASH, type AdminTab } from "../lib/use-hash-view.ts";
import { AgentsScreen } from "./agents/agents-screen.tsx";
import { AuditScreen } from "./audit/audit-screen.tsx";
import { WidgetsScreen } from "./widgets/widgets-screen.tsx";
import { EntryPointsScreen } from "./entry-points/entry-points-screen.tsx";
import { QueuesScreen } from "./queues/queues-screen.tsx";
import { AwayReasonsScreen } from "./away/away-reasons-screen.tsx";
import { CannedRepliesScreen } from "./canned/canned-replies-screen.tsx";
import "./admin.css";

export type Props = { agent: AgentView; tab: AdminTab };

export function AdminPage({ agent, tab }: Props) {
  const isAdmin = agent.role === "admin";
  return (
    <div className="admin" data-testid="admin-page">
      <header className="admin__bar">
        <div className="admin__brand">Switchboard · Team</div>
        <nav className="admin__tabs">
          {agent.role !== "agent" && (
            <a className={tab === "agents" ? "admin__tab admin__tab--on" : "admin__tab"} href={ADMIN_HASH.agents} data-testid="admin-tab-agents">
              Agents
            </a>
          )}
          {agent.role !== "agent" && (
            <a className={tab === "queues" ? "admin__tab admin__tab--on" : "admin__tab"} href={ADMIN_HASH.queues} data-testid="admin-tab-queues">
              Queues
            </a>
          )}
          {agent.role !== "agent" && (
            <a className={tab === "entry-points" ? "admin__tab admin__tab--on" : "admin__tab"} href={ADMIN_HASH["entry-points"]} data-testid="admin-tab-entry-points">
              Numbers and mailboxes
            </a>
          )}
          {agent.role !== "agent" && (
            <a className={tab === "widgets" ? "admin__tab admin__tab--on" : "admin__tab"} href={ADMIN_HASH.widgets} data-testid="admin-tab-widgets">
              Chat widgets
            </a>
          )}
          {agent.role !== "agent" && (
            <a className={tab === "canned" ? "admin__tab admin__tab--on" : "admin__tab"} href={ADMIN_HASH.canned} data-testid="admin-tab-canned">
              Canned replies
            </a>
          )}
          {agent.role !== "agent" && (
            <a className={tab === "away" ? "admin__tab admin__tab--on" : "admin__tab"} href={ADMIN_HASH.away} data-testid="admin-tab-away">
              Away reasons
            </a>
          )}
          {isAdmin && (
            <a className={tab === "audit" ? "admin__tab admin__tab--on" : "admin__tab"} href={ADMIN_HASH.audit} data-testid="admin-tab-audit">
              Audit log
            </a>
          )}
        </nav>
        <div className="admin__spacer" />
        <a className="button button--quiet admin-link" href="#" data-testid="back-to-workspace">
          Back to workspace
        </a>
      </header>
      <main className="admin__main">
        {agent.role === "agent" ? (
          <p className="admin__refusal" data-testid="admin-refused">
            Only supervisors and admins can open this page.
          </p>
        ) : tab === "audit" && isAdmin ? (
          <AuditScreen />
        ) : tab === "queues" ? (
          <QueuesScreen canManage={isAdmin} />
        ) : tab === "entry-points" ? (
          <EntryPointsScreen canManage={isAdmin} />
        ) : tab === "widgets" ? (
          <WidgetsScreen canManage={isAdmin} />
        ) : tab === "canned" ? (
          <CannedRepliesScreen />
        ) : tab === "away" ? (
          <AwayReasonsScreen canManage={isAdmin} />
        ) : (
          <AgentsScreen me={agent} canManage={isAdmin} />
        )}
      </main>
    </div>
  );
}
