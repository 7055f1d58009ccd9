// Who is signed in, the channels' state, and the agent's presence; owns the socket's lifetime.
import { clearAllDrafts } from "./use-draft.ts";
import { useCallback, useEffect, useState } from "react";
import type { AgentView, ChannelState } from "../../shared/api.ts";
import { LoginBody } from "../../shared/api.ts";
import type { SettablePresence } from "../../shared/domain.ts";
import { ApiError, api, onUnauthenticated } from "./api.ts";
import { useAgentSocket } from "./use-agent-socket.ts";
import { useSocketEvent } from "./use-socket-event.ts";

export type SessionState =
  | { status: "loading"; problem: string | null }
  | { status: "signed_out" }
  | { status: "signed_in"; agent: AgentView; channels: ChannelState[] };

export type Session = SessionState & {
  /** Throws an ApiError (bad credentials, rate limited, …) for the sign-in form to show. */
  login(email: string, password: string): Promise<void>;
  logout(): Promise<void>;
  /** Shows the choice at once; if the server refuses, reloads the real presence and throws the ApiError. */
  setPresence(presence: SettablePresence, awayReasonId?: string | null): Promise<void>;
};

const RETRY_ME_MS = 3_000;

export function useSession(): Session {
  const [state, setState] = useState<SessionState>({ status: "loading", problem: null });
  const signedIn = state.status === "signed_in";

  /** Reloads /api/me. Resolves false once the server says the session is gone. */
  const refresh = useCallback(async (): Promise<boolean> => {
    try {
      const me = await api.me();
      setState({ status: "signed_in", agent: me.agent, channels: me.channels });
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === "UNAUTHENTICATED") {
        setState({ status: "signed_out" });
        return false;
      }
      throw error;
    }
  }, []);

  // First load: keep asking while the server cannot be reached, rather than showing a sign-in form that cannot work.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const attempt = () => {
      refresh().catch((error: unknown) => {
        if (stopped) return;
        const problem = error instanceof Error ? error.message : "Cannot reach the server.";
        setState((current) => (current.status === "loading" ? { status: "loading", problem } : current));
        timer = setTimeout(attempt, RETRY_ME_MS);
      });
    };
    attempt();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [refresh]);

  useEffect(() => onUnauthenticated(() => setState({ status: "signed_out" })), []);

  useAgentSocket(signedIn, refresh);

  // After every (re)connect, presence or a channel's state may have changed while we were away.
  useSocketEvent("connect", () => {
    refresh().catch(() => {});
  });
  useSocketEvent("channel:health", (health) => {
    setState((current) =>
      current.status === "signed_in"
        ? { ...current, channels: current.channels.map((c) => (c.channel === health.channel ? { ...c, failing: health.status === "failing" ? health : null } : c)) }
        : current,
    );
  });
  useSocketEvent("agent:updated", (agent) => {
    setState((current) => (current.status === "signed_in" && current.agent.id === agent.id ? { ...current, agent } : current));
  });

  const login = useCallback(async (email: string, password: string) => {
    const body = LoginBody.safeParse({ email, password });
    if (!body.success) {
      throw new ApiError("VALIDATION", body.error.issues[0]?.message ?? "Enter your email and password.", 0);
    }
    await api.login(body.data);
    if (!(await refresh())) throw new ApiError("UNAUTHENTICATED", "The session could not be started. Are cookies allowed?", 401);
  }, [refresh]);

  const logout = useCallback(async () => {
    try {
      await api.logout();
    } catch (error) {
      if (!(error instanceof ApiError && error.code === "UNAUTHENTICATED")) throw error;
    }
    clearAllDrafts();
    history.replaceState(null, "", location.pathname + location.search);
    setState({ status: "signed_out" });
  }, []);

  const setPresence = useCallback(async (presence: SettablePresence, awayReasonId: string | null = null) => {
    setState((current) => (current.status === "signed_in" ? { ...current, agent: { ...current.agent, presence } } : current));
    try {
      const { agent } = await api.setPresence({ presence, awayReasonId });
      setState((current) => (current.status === "signed_in" ? { ...current, agent } : current));
    } catch (error) {
      // Show the server's truth again rather than the choice it refused.
      await refresh().catch(() => {});
      throw error;
    }
  }, [refresh]);

  return { ...state, login, logout, setPresence };
}
