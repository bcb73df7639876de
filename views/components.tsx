import type { Child, FC } from "hono/jsx";
import type { TraderStateName, TradingState } from "../src/ports/control.ts";
import type { ViewContext } from "./context.ts";
import { direction } from "./format.ts";

/** Small building blocks shared by the pages. All text goes through hono/jsx, which escapes it. */

/** The hidden CSRF field of a plain form (absent in shared live fragments, where htmx sends the header). */
export const Csrf: FC<{ ctx: ViewContext }> = ({ ctx }) => (ctx.csrf ? <input type="hidden" name="_csrf" value={ctx.csrf} /> : null);

type ButtonKind = "primary" | "danger" | "default" | "quiet";

export interface ActionProps {
  ctx: ViewContext;
  /** POST target. */
  action: string;
  label: string;
  kind?: ButtonKind;
  /** Extra hidden fields. */
  values?: Readonly<Record<string, string>>;
  title?: string;
}

/**
 * A button that POSTs: a real form (works without JavaScript, answered with a redirect back),
 * enhanced by htmx (answered with a flash message swapped into `#flash`). The button is disabled
 * while the request runs, so a double click does not send the command twice.
 */
export const ActionButton: FC<ActionProps> = ({ ctx, action, label, kind = "default", values = {}, title }) => (
  <form method="post" action={action} class="inline" hx-post={action} hx-target="#flash" hx-swap="innerHTML" hx-disable="find button">
    <Csrf ctx={ctx} />
    <input type="hidden" name="back" value={ctx.here} />
    {Object.entries(values).map(([name, value]) => (
      <input type="hidden" name={name} value={value} />
    ))}
    <button type="submit" class={`btn ${kind}`} title={title}>
      {label}
    </button>
  </form>
);

/**
 * A link to a confirmation step: without JavaScript it opens the confirmation page; with htmx the
 * same confirmation form is shown in the page's dialog.
 */
export const ConfirmLink: FC<{ href: string; label: string; kind?: ButtonKind }> = ({ href, label, kind = "danger" }) => (
  <a class={`btn ${kind}`} href={href} hx-get={href} hx-target="#dialog" hx-swap="innerHTML">
    {label}
  </a>
);

const TRADER_TONE: Readonly<Record<TraderStateName, Tone>> = {
  watching: "ok",
  in_position: "info",
  warming_up: "muted",
  entering: "info",
  exiting: "info",
  flattening: "warn",
  paused: "warn",
  halted: "bad",
  stopped: "bad",
};

const TRADING_TONE: Readonly<Record<TradingState, Tone>> = {
  starting: "muted",
  reconciling: "muted",
  running: "ok",
  paused: "warn",
  halted: "bad",
  stopping: "warn",
};

export type Tone = "ok" | "info" | "warn" | "bad" | "muted";

/** `hx-swap-oob` for fragments sent over SSE (replace the element with the same id). */
export const oobAttr = (oob?: boolean): Record<string, string> => (oob ? { "hx-swap-oob": "true" } : {});

export const Badge: FC<{ tone: Tone; children?: Child; title?: string; id?: string; oob?: boolean }> = ({ tone, children, title, id, oob }) => (
  <span id={id} class={`badge ${tone}`} title={title} {...oobAttr(oob)}>
    {children}
  </span>
);

export const TraderBadge: FC<{ ctx: ViewContext; state: TraderStateName | string }> = ({ ctx, state }) => {
  const known = state in TRADER_TONE;
  return <Badge tone={known ? TRADER_TONE[state as TraderStateName] : "muted"}>{known ? ctx.t(`trader.${state as TraderStateName}`) : state}</Badge>;
};

export const TradingBadge: FC<{ ctx: ViewContext; state: TradingState; id?: string; oob?: boolean }> = ({ ctx, state, id, oob }) => (
  <Badge tone={TRADING_TONE[state] ?? "muted"} id={id} oob={oob}>
    {ctx.t(`trading.${state}`)}
  </Badge>
);

export const WarningBadge: FC<{ ctx: ViewContext; warning: string }> = ({ ctx, warning }) =>
  warning === "NONE" ? null : (
    <Badge tone="warn" title={ctx.t("market.cautionHelp")}>
      {ctx.t("market.caution")}
    </Badge>
  );

/** A signed value coloured by direction (Korean convention in ko: rises red, falls blue; CSS decides). */
export const Signed: FC<{ value: number | null | undefined; children?: Child }> = ({ value, children }) => <span class={`num ${direction(value)}`}>{children}</span>;

export const Num: FC<{ children?: Child }> = ({ children }) => <span class="num">{children}</span>;

export const FieldError: FC<{ errors?: readonly string[]; id?: string }> = ({ errors, id }) =>
  errors && errors.length > 0 ? (
    <span class="field-error" id={id} role="alert">
      {errors.join("; ")}
    </span>
  ) : null;

/** A table cell naming a market, linking to its page. */
export const MarketCell: FC<{ market: string }> = ({ market }) => (
  <td>
    <a href={`/markets/${market}`} class="market">
      {market}
    </a>
  </td>
);

/** A table cell with an order side in the Korean colours (buys red, sells blue). */
export const SideCell: FC<{ ctx: ViewContext; side: string }> = ({ ctx, side }) => (
  <td>
    <span class={`side ${side}`}>{ctx.t(side === "bid" ? "side.bid" : "side.ask")}</span>
  </td>
);

export const EmptyRow: FC<{ cols: number; text: string }> = ({ cols, text }) => (
  <tr class="empty">
    <td colspan={cols}>{text}</td>
  </tr>
);

export const Card: FC<{ label: string; children?: Child; sub?: Child; id?: string }> = ({ label, children, sub, id }) => (
  <div class="card" id={id}>
    <div class="card-label">{label}</div>
    <div class="card-value">{children}</div>
    {sub === undefined ? null : <div class="card-sub">{sub}</div>}
  </div>
);

export const FlashMessage: FC<{ ctx: ViewContext }> = ({ ctx }) =>
  ctx.flash ? (
    <div class={`flash ${ctx.flash.kind}`} role={ctx.flash.kind === "error" ? "alert" : "status"}>
      {ctx.flash.text}
    </div>
  ) : null;

/** A page header: title, optional subtitle and actions on the right. */
export const PageHead: FC<{ title: string; sub?: Child; children?: Child }> = ({ title, sub, children }) => (
  <div class="page-head">
    <div>
      <h1>{title}</h1>
      {sub === undefined ? null : <p class="sub">{sub}</p>}
    </div>
    {children ? <div class="page-actions">{children}</div> : null}
  </div>
);

export interface PagerProps {
  ctx: ViewContext;
  /** The list's path and current query (without offset). */
  base: string;
  query: Readonly<Record<string, string | undefined>>;
  offset: number;
  limit: number;
  /** Rows on this page. */
  count: number;
  hasNext: boolean;
}

/** Builds `path?k=v&…` from the defined, non-empty values (URL-encoded). */
export function href(path: string, query: Readonly<Record<string, string | number | undefined>>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export const Pager: FC<PagerProps> = ({ ctx, base, query, offset, limit, count, hasNext }) => (
  <nav class="pager" aria-label={ctx.t("pager.label")}>
    {offset > 0 ? (
      <a class="btn quiet" href={href(base, { ...query, offset: Math.max(0, offset - limit) || undefined })} rel="prev">
        {ctx.t("pager.prev")}
      </a>
    ) : (
      <span class="btn quiet disabled">{ctx.t("pager.prev")}</span>
    )}
    <span class="pager-pos">{count === 0 ? ctx.t("pager.none") : ctx.t("pager.rows", { from: offset + 1, to: offset + count })}</span>
    {hasNext ? (
      <a class="btn quiet" href={href(base, { ...query, offset: offset + limit })} rel="next">
        {ctx.t("pager.next")}
      </a>
    ) : (
      <span class="btn quiet disabled">{ctx.t("pager.next")}</span>
    )}
  </nav>
);

/** A `<th>` that sorts the list by `key` when clicked (toggling the direction). */
export const SortHeader: FC<{ label: string; sortKey: string; current: string; base: string; query: Readonly<Record<string, string | undefined>>; class?: string }> = (p) => {
  const [key, dir] = p.current.split("_");
  const active = key === p.sortKey;
  const next = active && dir === "desc" ? "asc" : "desc";
  return (
    <th class={p.class} aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : undefined}>
      <a href={href(p.base, { ...p.query, sort: `${p.sortKey}_${next}`, offset: undefined })}>
        {p.label}
        {active ? (dir === "asc" ? " ▲" : " ▼") : ""}
      </a>
    </th>
  );
};
