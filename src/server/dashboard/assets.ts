import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import type { AssetUrls } from "../../../views/context.ts";
import type { DashboardEnv } from "./contract.ts";

/**
 * The dashboard's static files, served from this process (no CDN): htmx 4 and its SSE extension,
 * lightweight-charts' standalone build (from node_modules), and the dashboard's own stylesheet,
 * script and icon (next to this file). Each is read once, fingerprinted by its content
 * (`/static/htmx.min.1a2b3c4d5e.js`) and served with a year-long immutable cache, an ETag, and
 * gzip when the client accepts it: a new release changes the URL, never the bytes behind one.
 *
 * A `bun build --compile` binary has no node_modules or source tree next to it; such a build must
 * ship these files (or embed them with import attributes) and pass their folder here.
 */

export interface AssetFile {
  /** URL path, fingerprinted. */
  readonly url: string;
  readonly type: string;
  readonly body: Uint8Array;
  readonly gzip: Uint8Array;
  readonly etag: string;
}

export interface StaticAssets {
  readonly urls: AssetUrls;
  /** `GET /static/*`. */
  readonly routes: Hono<DashboardEnv>;
  /** The file behind a URL (tests). */
  file(url: string): AssetFile | undefined;
}

const JS = "text/javascript; charset=utf-8";

function packageFile(pkg: string, rel: string): string {
  const manifest = createRequire(import.meta.url).resolve(`${pkg}/package.json`);
  return join(dirname(manifest), rel);
}

const ownFile = (name: string) => fileURLToPath(new URL(`./assets/${name}`, import.meta.url));

/** Where each asset comes from. */
const SOURCES = {
  css: { path: () => ownFile("app.css"), type: "text/css; charset=utf-8" },
  app: { path: () => ownFile("app.js"), type: JS },
  icon: { path: () => ownFile("favicon.svg"), type: "image/svg+xml" },
  htmx: { path: () => packageFile("htmx.org", "dist/htmx.min.js"), type: JS },
  sse: { path: () => packageFile("htmx.org", "dist/ext/hx-sse.min.js"), type: JS },
  charts: { path: () => packageFile("lightweight-charts", "dist/lightweight-charts.standalone.production.js"), type: JS },
} as const;

type AssetName = keyof typeof SOURCES;

function fingerprinted(path: string, hash: string): string {
  const file = path.slice(path.lastIndexOf("/") + 1);
  const dot = file.lastIndexOf(".");
  return `/static/${file.slice(0, dot)}.${hash}${file.slice(dot)}`;
}

function load(name: AssetName): AssetFile {
  const source = SOURCES[name];
  const path = source.path();
  const body = new Uint8Array(readFileSync(path));
  const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
  return { url: fingerprinted(path, hash), type: source.type, body, gzip: Bun.gzipSync(body, { level: 9 }), etag: `"${hash}"` };
}

const IMMUTABLE = "public, max-age=31536000, immutable";

/** Reads and fingerprints every asset (once, at start-up: a missing file fails here, not on a request). */
export function createStaticAssets(): StaticAssets {
  const files = new Map<AssetName, AssetFile>();
  for (const name of Object.keys(SOURCES) as AssetName[]) files.set(name, load(name));
  const byUrl = new Map([...files.values()].map((f) => [f.url, f]));
  const url = (name: AssetName) => files.get(name)!.url;

  const routes = new Hono<DashboardEnv>().get("/static/*", (c) => {
    const file = byUrl.get(c.req.path);
    if (!file) return c.text("not found", 404, { "Cache-Control": "no-store" });
    const headers: Record<string, string> = { "Content-Type": file.type, "Cache-Control": IMMUTABLE, ETag: file.etag, Vary: "Accept-Encoding", "X-Content-Type-Options": "nosniff" };
    if (c.req.header("if-none-match") === file.etag) return c.body(null, 304, headers);
    const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
    if (gzip) headers["Content-Encoding"] = "gzip";
    return c.body((gzip ? file.gzip : file.body) as Uint8Array<ArrayBuffer>, 200, headers);
  });

  return {
    urls: { css: url("css"), app: url("app"), icon: url("icon"), htmx: url("htmx"), sse: url("sse"), charts: url("charts") },
    routes,
    file: (u) => byUrl.get(u),
  };
}
