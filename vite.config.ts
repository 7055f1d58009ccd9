// Builds the browser apps in client/ into dist/client, which the server serves as static files;
// with `--mode widget`, the embeddable chat widget into dist/widget/widget.js.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type ViteUserConfig } from "vitest/config";

const clientDir = fileURLToPath(new URL("./client/", import.meta.url));

/**
 * One HTML page per app, relative to client/. The workspace is client/index.html so that it is
 * served at `/` and built to dist/client/index.html. To add an app, add a line here
 * (e.g. `admin: "admin/index.html"`); its files then live in client/admin/.
 */
const pages: Record<string, string> = {
  workspace: "index.html",
};

/** Everything the server answers; in dev, Vite passes it through to the server on :3000. */
const serverOrigin = "http://127.0.0.1:3000";
const proxy = {
  "/api": { target: serverOrigin },
  "/socket.io": { target: serverOrigin, ws: true },
  "/webhooks": { target: serverOrigin },
  "/healthz": { target: serverOrigin },
};

const workspace: ViteUserConfig = {
  root: clientDir,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("./dist/client/", import.meta.url)),
    emptyOutDir: true,
    rolldownOptions: {
      input: Object.fromEntries(Object.entries(pages).map(([name, page]) => [name, clientDir + page])),
    },
  },
  server: { proxy },
  preview: { proxy },
  // `npm test`: integration and browser tests in test/, through real Postgres and Redis.
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: two files at a time, each with its own database and Redis prefix.
    maxWorkers: 2,
  },
};

/**
 * The chat widget businesses embed with a <script> tag: one classic script (an IIFE that defines
 * no globals), no chunks, its CSS imported `?inline` and adopted by its shadow root. Budget: 60 kB gzipped.
 */
const widget: ViteUserConfig = {
  root: clientDir,
  publicDir: false,
  // Library builds leave process.env.NODE_ENV in dependencies' code, and a host page has no `process`.
  define: { "process.env.NODE_ENV": '"production"' },
  build: {
    outDir: fileURLToPath(new URL("./dist/widget/", import.meta.url)),
    emptyOutDir: true,
    copyPublicDir: false,
    lib: {
      entry: clientDir + "widget/main.ts",
      formats: ["iife"],
      // Required for IIFE; main.ts exports nothing, so no global of this name is created.
      name: "SwitchboardWidget",
      fileName: () => "widget.js",
    },
  },
};

export default defineConfig(({ mode }) => (mode === "widget" ? widget : workspace));
