import { AdminPage } from "../admin/admin-page.tsx";
import { BoardPage } from "../supervisor/board-page.tsx";
import { ReportsPage } from "../supervisor/reports/reports-page.tsx";
import { useHashView } from "../lib/use-hash-view.ts";
import { useSession } from "../lib/use-session.ts";
import { LoadingScreen } from "./loading-screen.tsx";
import { SignInPage } from "./sign-in/sign-in-page.tsx";
import { Workspace } from "./workspace.tsx";

export function App() {
  const session = useSession();
  const { view, tab } = useHashView();
  switch (session.status) {
    case "loading":
      return <LoadingScreen problem={session.problem} />;
    case "signed_out":
      return <SignInPage onSignIn={session.login} />;
    case "signed_in":
      // The workspace stays mounted (hidden) behind the Team screens and the board: a call or an offer goes on meanwhile.
      return (
        <>
          <div hidden={view !== "workspace"} style={view !== "workspace" ? undefined : { display: "contents" }}>
            <Workspace
              agent={session.agent}
              channels={session.channels}
              onSetPresence={session.setPresence}
              onSignOut={session.logout}
            />
          </div>
          {view === "admin" && <AdminPage agent={session.agent} tab={tab} />}
          {view === "board" && <BoardPage agent={session.agent} />}
          {view === "reports" && <ReportsPage />}
        </>
      );
  }
}
