import type { FC } from "hono/jsx";
import type { ActorNode, ActorSummary } from "../../src/ports/control.ts";
import { Badge, ConfirmLink, EmptyRow, oobAttr, PageHead, type Tone, TraderBadge } from "../components.tsx";
import type { ViewContext } from "../context.ts";
import { formatKst, formatPrice } from "../format.ts";
import { Layout } from "../layout.tsx";
import { TraderControls } from "./markets.tsx";

/** The supervisor tree and one row per trader with its controls. Both are live fragments. */

const NODE_TONE: Readonly<Record<string, Tone>> = {
  running: "ok",
  active: "ok",
  watching: "ok",
  in_position: "info",
  connected: "ok",
  paused: "warn",
  degraded: "warn",
  reconnecting: "warn",
  halted: "bad",
  stopped: "bad",
  failed: "bad",
  error: "bad",
};

const TreeNode: FC<{ ctx: ViewContext; node: ActorNode }> = ({ ctx, node }) => (
  <li>
    <span class="node">
      <span class="mono">{node.id}</span> <Badge tone={NODE_TONE[node.state] ?? "muted"}>{node.state}</Badge>
      {node.restarts > 0 ? <span class="muted"> {ctx.t("actors.restarted", { n: node.restarts })}</span> : null}
      {node.lastError ? <span class="error-text"> {node.lastError}</span> : null}
    </span>
    {node.children && node.children.length > 0 ? (
      <ul>
        {node.children.map((child) => (
          <TreeNode ctx={ctx} node={child} />
        ))}
      </ul>
    ) : null}
  </li>
);

export const ActorTree: FC<{ ctx: ViewContext; tree: ActorNode; oob?: boolean }> = ({ ctx, tree, oob }) => (
  <ul id="actor-tree" class="tree" {...oobAttr(oob)}>
    <TreeNode ctx={ctx} node={tree} />
  </ul>
);

export const actorRowId = (market: string) => `a-${market}`;

export const ActorRow: FC<{ ctx: ViewContext; actor: ActorSummary; oob?: boolean }> = ({ ctx, actor, oob }) => (
  <tr id={actorRowId(actor.market)} {...oobAttr(oob)}>
    <td>
      <a href={`/markets/${actor.market}`} class="market" title={actor.id}>
        {actor.market}
      </a>
    </td>
    <td>
      <TraderBadge ctx={ctx} state={actor.state} /> {actor.stale ? <Badge tone="warn">{ctx.t("market.stale")}</Badge> : null}
    </td>
    <td class="num">{actor.restarts}</td>
    <td class="num">{formatPrice(actor.lastPrice)}</td>
    <td class="time">{formatKst(actor.lastCandleTs)}</td>
    <td class="error-text">{actor.lastError ?? ""}</td>
    {ctx.can.operate ? (
      <td class="actions">
        <TraderControls ctx={ctx} market={actor.market} state={actor.state} />
        {actor.position ? <ConfirmLink href={`/confirm/flatten/${actor.market}`} label={ctx.t("action.flatten")} /> : null}
      </td>
    ) : null}
  </tr>
);

export const ActorsPage: FC<{ ctx: ViewContext; tree: ActorNode; actors: readonly ActorSummary[] }> = ({ ctx, tree, actors }) => {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t("nav.actors")} live={["actors"]}>
      <PageHead title={t("nav.actors")} sub={t("actors.sub", { n: actors.length })} />
      <div class="grid actors-grid">
        <section class="panel">
          <h2>{t("actors.tree")}</h2>
          <ActorTree ctx={ctx} tree={tree} />
        </section>
        <section class="panel">
          <h2>{t("actors.traders")}</h2>
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th>{t("col.market")}</th>
                  <th>{t("col.state")}</th>
                  <th class="num">{t("col.restarts")}</th>
                  <th class="num">{t("col.priceKrw")}</th>
                  <th>{t("market.lastCandle")}</th>
                  <th>{t("col.lastError")}</th>
                  {ctx.can.operate ? <th>{t("col.actions")}</th> : null}
                </tr>
              </thead>
              <tbody>
                {actors.length === 0 ? <EmptyRow cols={ctx.can.operate ? 7 : 6} text={t("actors.none")} /> : actors.map((a) => <ActorRow ctx={ctx} actor={a} />)}
              </tbody>
            </table>
          </div>
        </section>
      </div>
    </Layout>
  );
};
