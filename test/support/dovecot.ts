// A Dovecot IMAP server of the test's own (STACK.md "Email"): its own config in a temp dir that includes
// nothing from /etc/dovecot, its own port, base_dir and instance name, so it never meets a system Dovecot.
// Dovecot refuses to run its login process as root, so under root the whole dir is handed to `nobody`
// and every process (dovecot, doveadm) runs as that user; otherwise as ourselves.
import { spawn, type ChildProcess } from "node:child_process";
import { chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { ImapFlow } from "imapflow";
import { freePort } from "../../scripts/local-services.ts";

const DOVECOT_BIN = "/usr/sbin/dovecot";
const DOVEADM_BIN = "/usr/bin/doveadm";
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface MailUser {
  name: string;
  password: string;
}

export interface DovecotServer {
  host: "127.0.0.1";
  port: number;
  /** The temp dir holding config, users file, homes (D/home/<user>/Maildir) and runtime state. */
  dir: string;
  users: MailUser[];
  /** imap://user:password@127.0.0.1:port (user and password URL-encoded). */
  imapUrl(user: string): string;
  /** Appends over IMAP (a fresh, short-lived imapflow connection); Dovecot answers APPENDUID. */
  append(user: string, raw: Buffer | string, flags?: string[]): Promise<{ uid: number; uidValidity: bigint }>;
  /** Delivers as a mail server does (`doveadm save`), without IMAP: works while the server is stopped. */
  deliver(user: string, raw: Buffer | string): Promise<void>;
  /** Forces INBOX's UIDVALIDITY to value (`doveadm mailbox update --uid-validity`). */
  setUidValidity(user: string, value: number): Promise<void>;
  /** Kills the process group and resolves once it has exited and the port refuses connections. */
  stop(): Promise<void>;
  /** Starts again on the same port with the same maildirs; resolves once the port greets `* OK`. */
  start(): Promise<void>;
  /** stop() and remove the dir. Safe to call twice. */
  destroy(): Promise<void>;
}

interface RunAs {
  uid: number;
  gid: number;
  user: string;
  group: string;
}

export async function startDovecot(opts: { users?: MailUser[] } = {}): Promise<DovecotServer> {
  const users = opts.users ?? [{ name: "alice", password: "alicepw" }];
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "sb-dovecot-"));
  const runAs = await mailUser();
  await writeConfig(dir, port, users, runAs);
  if (process.getuid?.() === 0) await chownTree(dir, runAs.uid, runAs.gid);

  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let destroyed = false;

  async function start(): Promise<void> {
    if (destroyed) throw new Error("dovecot: start() after destroy()");
    if (child) return;
    const proc = spawn(DOVECOT_BIN, ["-F", "-c", join(dir, "dovecot.conf")], {
      detached: true, // its own process group, so stop() reaches the login and imap children too
      stdio: ["ignore", "ignore", "pipe"],
      ...spawnIdentity(runAs, { USER: runAs.user, HOME: dir }),
    });
    let stderr = "";
    // Dovecot logs every login here: keep only the tail, for the error message if it fails to start.
    proc.stderr!.on("data", (d) => (stderr = (stderr + d).slice(-8_000)));
    // A test process that dies without stop() must not leave a detached server behind.
    const killOnExit = () => killGroup(proc.pid!, "SIGKILL");
    process.once("exit", killOnExit);
    exited = new Promise((resolve) =>
      proc.once("exit", () => {
        process.off("exit", killOnExit);
        resolve();
      }),
    );
    child = proc;
    try {
      await waitForGreeting(port, () => (proc.exitCode !== null ? `dovecot exited (${proc.exitCode}): ${stderr}` : null));
    } catch (err) {
      await stop();
      throw err;
    }
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    if (proc.exitCode === null && proc.signalCode === null) {
      killGroup(proc.pid!, "SIGTERM");
      const timer = setTimeout(() => killGroup(proc.pid!, "SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    // The master is gone; an imap child finishing a command may hold the group a moment longer.
    killGroup(proc.pid!, "SIGKILL");
    child = null;
    await waitForPortClosed(port);
  }

  async function destroy(): Promise<void> {
    await stop();
    destroyed = true;
    await rm(dir, { recursive: true, force: true });
  }

  function userFor(name: string): MailUser {
    const user = users.find((u) => u.name === name);
    if (!user) throw new Error(`dovecot: no user ${name}`);
    return user;
  }

  async function append(name: string, raw: Buffer | string, flags: string[] = []): Promise<{ uid: number; uidValidity: bigint }> {
    const user = userFor(name);
    const client = new ImapFlow({
      host: "127.0.0.1",
      port,
      secure: false,
      doSTARTTLS: false,
      auth: { user: user.name, pass: user.password },
      logger: false,
    });
    await client.connect();
    try {
      const res = await client.append("INBOX", raw, flags);
      if (!res || res.uid === undefined || res.uidValidity === undefined) throw new Error("dovecot: APPEND gave no APPENDUID");
      return { uid: res.uid, uidValidity: res.uidValidity };
    } finally {
      await client.logout();
    }
  }

  async function deliver(name: string, raw: Buffer | string): Promise<void> {
    userFor(name);
    await doveadm(dir, runAs, name, ["save", "-m", "INBOX"], raw);
  }

  async function setUidValidity(name: string, value: number): Promise<void> {
    userFor(name);
    await doveadm(dir, runAs, name, ["mailbox", "update", "--uid-validity", String(value), "INBOX"]);
  }

  const server: DovecotServer = {
    host: "127.0.0.1",
    port,
    dir,
    users,
    imapUrl: (name) => {
      const user = userFor(name);
      return `imap://${encodeURIComponent(user.name)}:${encodeURIComponent(user.password)}@127.0.0.1:${port}`;
    },
    append,
    deliver,
    setUidValidity,
    stop,
    start,
    destroy,
  };
  try {
    await start();
  } catch (err) {
    await destroy();
    throw err;
  }
  return server;
}

/** Under root: nobody and its group; otherwise ourselves. */
async function mailUser(): Promise<RunAs> {
  if (process.getuid?.() === 0) {
    const [, , uid, gid] = await lineFor("/etc/passwd", (f) => f[0] === "nobody");
    return { uid: Number(uid), gid: Number(gid), user: "nobody", group: (await lineFor("/etc/group", (f) => f[2] === gid))[0]! };
  }
  const me = userInfo();
  const group = (await lineFor("/etc/group", (f) => f[2] === String(me.gid)))[0]!;
  return { uid: me.uid, gid: me.gid, user: me.username, group };
}

/** The colon-separated fields of the first line of an /etc/passwd-style file that matches. */
async function lineFor(file: string, matches: (fields: string[]) => boolean): Promise<string[]> {
  const fields = (await readFile(file, "utf8")).split("\n").map((l) => l.split(":")).find(matches);
  if (!fields) throw new Error(`dovecot: no matching entry in ${file}`);
  return fields;
}

function spawnIdentity(runAs: RunAs, env: Record<string, string>): { uid?: number; gid?: number; env: NodeJS.ProcessEnv } {
  const fullEnv = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", ...env };
  return process.getuid?.() === 0 ? { uid: runAs.uid, gid: runAs.gid, env: fullEnv } : { env: fullEnv };
}

async function writeConfig(dir: string, port: number, users: MailUser[], runAs: RunAs): Promise<void> {
  for (const sub of ["run", "state", "home"]) await mkdir(join(dir, sub));
  for (const user of users) await mkdir(join(dir, "home", user.name));
  await writeFile(join(dir, "users"), users.map((u) => `${u.name}:{PLAIN}${u.password}\n`).join(""), { mode: 0o600 });
  // Unprivileged Dovecot cannot chroot: these services chroot by default.
  const unchrooted = ["imap-login", "anvil", "imap-urlauth-login", "old-stats", "ipc", "aggregator"]
    .map((name) => `service ${name} {\n  chroot =\n}`)
    .join("\n");
  const conf = `# Written by test/support/dovecot.ts for one test server.
instance_name = sb-test-dovecot-${port}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
default_internal_user = ${runAs.user}
default_internal_group = ${runAs.group}
default_login_user = ${runAs.user}
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=${runAs.uid} gid=${runAs.gid} home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
${unchrooted}
`;
  await writeFile(join(dir, "dovecot.conf"), conf);
}

async function chownTree(root: string, uid: number, gid: number): Promise<void> {
  await chown(root, uid, gid);
  for (const entry of await readdir(root, { recursive: true })) await chown(join(root, entry), uid, gid);
}

/**
 * Runs a doveadm mail command for mailUser as a local delivery agent would: without `-u`, the user and
 * home come from USER/HOME, so doveadm needs no userdb lookup through the running server's auth socket
 * (with `-u` it fails while the server is stopped, which outage tests need).
 */
function doveadm(dir: string, runAs: RunAs, mailUser: string, args: string[], stdin?: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(DOVEADM_BIN, ["-c", join(dir, "dovecot.conf"), ...args], {
      stdio: ["pipe", "ignore", "pipe"],
      ...spawnIdentity(runAs, { USER: mailUser, HOME: join(dir, "home", mailUser) }),
    });
    let stderr = "";
    proc.stderr!.on("data", (d) => (stderr += d));
    proc.once("error", reject);
    proc.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`doveadm ${args.join(" ")} exited ${code}: ${stderr.trim()}`)),
    );
    proc.stdin!.end(stdin ?? "");
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (err) {
    // ESRCH: the group has already gone, which is what we want.
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** Resolves when a connection on port reads an untagged `* OK` greeting. */
async function waitForGreeting(port: number, failure: () => string | null): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const why = failure();
    if (why) throw new Error(why);
    if (await greets(port)) return;
    if (Date.now() > deadline) throw new Error(`dovecot on port ${port} did not greet within ${READY_TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    let data = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on("data", (d) => {
      data += d;
      if (data.includes("\r\n")) done(data.startsWith("* OK"));
    });
    socket.once("error", () => done(false));
    socket.once("close", () => done(false));
  });
}

async function waitForPortClosed(port: number): Promise<void> {
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (await accepts(port)) {
    if (Date.now() > deadline) throw new Error(`dovecot: port ${port} still open after stop`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
