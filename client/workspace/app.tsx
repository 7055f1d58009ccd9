import { useSession } from "../lib/use-session.ts";
import { LoadingScreen } from "./loading-screen.tsx";
import { SignInPage } from "./sign-in/sign-in-page.tsx";
import { Workspace } from "./workspace.tsx";

export function App() {
  const session = useSession();
  switch (session.status) {
    case "loading":
      return <LoadingScreen problem={session.problem} />;
    case "signed_out":
      return <SignInPage onSignIn={session.login} />;
    case "signed_in":
      return (
        <Workspace
          agent={session.agent}
          channels={session.channels}
          onSetPresence={session.setPresence}
          onSignOut={session.logout}
        />
      );
  }
}
