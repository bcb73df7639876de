import { html } from "hono/html";
import type { Lang } from "../env.ts";

/**
 * Plain default pages for the login form and error answers. The dashboard (views/) supplies
 * styled ones through `createApp({ renderLogin, renderError })`; these keep the server usable
 * and secure without it. Every value is escaped by hono's `html` template.
 */

export interface LoginPageProps {
  /** Where the form posts (`/login`). */
  readonly action: string;
  /** Hidden field `_csrf` (the login form's own CSRF token, paired with the `bot_login` cookie). */
  readonly csrfToken: string;
  /** Hidden field `next`: where to go after logging in (a same-site path). */
  readonly next: string;
  /** invalid: wrong name or password (deliberately not saying which); throttled: too many attempts; expired: the form was stale. */
  readonly error?: "invalid" | "throttled" | "expired";
  readonly retryAfterSeconds?: number;
  readonly lang: Lang;
  /** CSP nonce for any <script>/<style> the page carries. */
  readonly nonce: string;
}

export interface ErrorPageProps {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly lang: Lang;
  readonly nonce: string;
}

export type RenderLogin = (props: LoginPageProps) => string | Promise<string>;
export type RenderError = (props: ErrorPageProps) => string | Promise<string>;

const LOGIN_TEXT = {
  ko: {
    title: "로그인",
    name: "사용자 이름",
    password: "비밀번호",
    submit: "로그인",
    invalid: "사용자 이름 또는 비밀번호가 올바르지 않습니다.",
    throttled: (s: number) => `로그인 시도가 너무 많습니다. ${Math.ceil(s / 60)}분 후에 다시 시도하세요.`,
    expired: "로그인 양식이 만료되었습니다. 다시 시도하세요.",
  },
  en: {
    title: "Log in",
    name: "User name",
    password: "Password",
    submit: "Log in",
    invalid: "Wrong user name or password.",
    throttled: (s: number) => `Too many login attempts. Try again in ${Math.ceil(s / 60)} min.`,
    expired: "The login form expired. Please try again.",
  },
} as const;

export function loginErrorText(props: Pick<LoginPageProps, "error" | "retryAfterSeconds" | "lang">): string | undefined {
  const t = LOGIN_TEXT[props.lang];
  if (props.error === "invalid") return t.invalid;
  if (props.error === "throttled") return t.throttled(props.retryAfterSeconds ?? 60);
  if (props.error === "expired") return t.expired;
  return undefined;
}

export const defaultLoginPage: RenderLogin = async (props) => {
  const t = LOGIN_TEXT[props.lang];
  const error = loginErrorText(props);
  return String(
    await html`<!DOCTYPE html>
<html lang="${props.lang}">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${t.title}</title>
  </head>
  <body>
    <main>
      <h1>${t.title}</h1>
      ${error ? html`<p role="alert">${error}</p>` : ""}
      <form method="post" action="${props.action}">
        <input type="hidden" name="_csrf" value="${props.csrfToken}" />
        <input type="hidden" name="next" value="${props.next}" />
        <label>${t.name} <input name="name" autocomplete="username" required /></label>
        <label>${t.password} <input name="password" type="password" autocomplete="current-password" required /></label>
        <button type="submit">${t.submit}</button>
      </form>
    </main>
  </body>
</html>`,
  );
};

export const defaultErrorPage: RenderError = async (props) =>
  String(
    await html`<!DOCTYPE html>
<html lang="${props.lang}">
  <head>
    <meta charset="utf-8" />
    <title>${props.status}</title>
  </head>
  <body>
    <main>
      <h1>${props.status}</h1>
      <p>${props.message}</p>
      <p><a href="/">${props.lang === "ko" ? "처음으로" : "Home"}</a></p>
    </main>
  </body>
</html>`,
  );

/** The page language for a visitor without a session: `?lang=`, else Accept-Language, else Korean. */
export function guessLang(query: string | undefined, acceptLanguage: string | undefined): Lang {
  if (query === "en" || query === "ko") return query;
  return acceptLanguage?.trim().toLowerCase().startsWith("en") ? "en" : "ko";
}
