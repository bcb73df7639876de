import type { FC } from "hono/jsx";
import { Csrf } from "../components.tsx";
import type { ViewContext } from "../context.ts";
import { Layout } from "../layout.tsx";

/** A confirmation step for a command that cannot be undone (flatten a market, the kill switch). */
export interface Confirmation {
  readonly title: string;
  /** What will happen, in plain words. */
  readonly message: string;
  /** Facts shown before confirming (the position to be sold, …). */
  readonly details?: readonly (readonly [string, string])[];
  /** Where the confirming form POSTs (with `confirm=yes`). */
  readonly action: string;
  readonly confirmLabel: string;
  /** Where "cancel" (and the finished command, without JavaScript) leads. */
  readonly back: string;
}

/**
 * The confirmation form. Without JavaScript it is a page of its own; with htmx it opens in the
 * page's dialog slot, and "cancel" only closes the dialog (app.js, `data-dismiss`).
 */
export const ConfirmDialog: FC<{ ctx: ViewContext; confirmation: Confirmation }> = ({ ctx, confirmation: c }) => (
  <div class="modal" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
    <div class="modal-box">
      <h2 id="confirm-title">{c.title}</h2>
      <p>{c.message}</p>
      {c.details && c.details.length > 0 ? (
        <dl class="facts">
          {c.details.map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </>
          ))}
        </dl>
      ) : null}
      <form method="post" action={c.action} hx-post={c.action} hx-target="#flash" hx-swap="innerHTML" hx-disable="find button" class="modal-actions">
        <Csrf ctx={ctx} />
        <input type="hidden" name="confirm" value="yes" />
        <input type="hidden" name="back" value={c.back} />
        <a class="btn" href={c.back} data-dismiss="dialog">
          {ctx.t("action.cancel")}
        </a>
        <button type="submit" class="btn danger solid" autofocus>
          {c.confirmLabel}
        </button>
      </form>
    </div>
  </div>
);

export const ConfirmPage: FC<{ ctx: ViewContext; confirmation: Confirmation }> = ({ ctx, confirmation }) => (
  <Layout ctx={ctx} title={confirmation.title}>
    <div class="confirm-page">
      <ConfirmDialog ctx={ctx} confirmation={confirmation} />
    </div>
  </Layout>
);
