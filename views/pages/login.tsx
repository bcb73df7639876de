import type { FC } from "hono/jsx";
import { Csrf, PageHead } from "../components.tsx";
import type { ViewContext } from "../context.ts";
import { Layout } from "../layout.tsx";

export interface LoginProps {
  /** Why the last attempt failed (already worded for the reader), if it did. */
  readonly error?: string;
  /** The user name typed last time (never the password). */
  readonly name?: string;
  /** Local path to return to after logging in. */
  readonly next?: string;
  /** Where the form posts (default `/login`). */
  readonly action?: string;
}

/** The login form. The platform's `/login` routes render it (again, with the reason, after a failed attempt). */
export const LoginPage: FC<{ ctx: ViewContext } & LoginProps> = ({ ctx, error, name, next, action = "/login" }) => {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t("login.title")} bare>
      <div class="login">
        <div class="login-brand">
          <span class="brand-mark" aria-hidden="true">
            ₩
          </span>
          <span>{t("app.name")}</span>
        </div>
        <PageHead title={t("login.title")} />
        <form method="post" action={action} class="form">
          <Csrf ctx={ctx} />
          {next ? <input type="hidden" name="next" value={next} /> : null}
          {error ? (
            <p class="flash error" role="alert">
              {error}
            </p>
          ) : null}
          <div class="form-row">
            <label for="login-name">{t("login.name")}</label>
            <input id="login-name" name="name" value={name ?? ""} autocomplete="username" required autofocus maxlength={64} />
          </div>
          <div class="form-row">
            <label for="login-password">{t("login.password")}</label>
            <input id="login-password" name="password" type="password" autocomplete="current-password" required maxlength={1024} />
          </div>
          <button type="submit" class="btn primary wide">
            {t("login.submit")}
          </button>
        </form>
      </div>
    </Layout>
  );
};

/** A plain error page (unknown market, forbidden, …). */
export const ErrorPage: FC<{ ctx: ViewContext; status: number; message: string }> = ({ ctx, status, message }) => (
  <Layout ctx={ctx} title={String(status)} bare={!ctx.user}>
    <div class="error-page">
      <h1>{status}</h1>
      <p>{message}</p>
      <p>
        <a class="btn" href="/">
          {ctx.t("nav.overview")}
        </a>
      </p>
    </div>
  </Layout>
);
