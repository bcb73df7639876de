import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";
import type { AssetUrls, ViewContext } from "../../../views/context.ts";
import type { Translate } from "../../../views/i18n.ts";
import { CHANNEL_FORMS, SettingsPage, type ParamFormState, type SettingsData } from "../../../views/pages/settings.tsx";
import { RISK_PRESETS, resolveRiskParams } from "../../core/risk/index.ts";
import { resolveStrategyParams, STRATEGY_PRESETS } from "../../core/strategy/index.ts";
import { ALERT_SEVERITIES, CHANNEL_KINDS, type AlertSeverity, type ChannelKind } from "../../ports/alerts.ts";
import { ApiError } from "../errors.ts";
import { csrfProtect, isLang, isRole, originOf, requireRole, requireUser, type DashboardEnv, type Scope } from "./contract.ts";
import { EXCHANGE_KEY_NAMES, type DashboardDeps } from "./deps.ts";
import { paramFields, parseParamsForm, submittedFields, zodFieldErrors, type FieldErrors, type Section } from "./params-form.ts";
import { audit, type Ctx, finish, isHtmx, readForm, renderPage, viewContext } from "./request.ts";

/**
 * The settings page and its forms. Reading it needs a login (viewers and operators see the
 * parameters read-only); every change needs the admin role and a CSRF token, is validated on the
 * server (the parameters by the runtime's own zod schemas), and writes an audit row that never
 * contains a secret. A form with errors comes back as the page with each message next to its
 * field (422); a change that worked redirects back with a flash message (or, for htmx, the same
 * page, from which htmx picks the changed section).
 */

const RESOLVERS = { strategy: resolveStrategyParams, risk: resolveRiskParams } as const;
const PRESETS: Readonly<Record<Section, Readonly<Record<string, unknown>>>> = { strategy: STRATEGY_PRESETS, risk: RISK_PRESETS };

const KEY_SHAPE = /^\S{8,256}$/;

interface Problems {
  params?: Partial<Record<Section, { values: Readonly<Record<string, string>>; errors: FieldErrors }>>;
  /** A section just saved (its form shows this notice; htmx swaps only that section). */
  saved?: { section: Section; text: string };
  channel?: { kind: string; errors: FieldErrors };
  keys?: FieldErrors;
  users?: FieldErrors;
  tokens?: FieldErrors;
}

/** What a service refusal says: its message and fields for a 4xx ApiError, a generic text otherwise (logged). */
function refusal(deps: DashboardDeps, t: Translate, err: unknown, what: string): FieldErrors {
  if (err instanceof ApiError && err.status < 500) return { _: [err.message], ...(err.fields ?? {}) };
  deps.logger.error({ err, what }, "settings change failed");
  return { _: [t("error.failed")] };
}

/** Runs a read of an optional service; a failing one makes its section "not available" rather than failing the page. */
async function optional<T>(deps: DashboardDeps, what: string, read: (() => T | Promise<T>) | undefined): Promise<T | null> {
  if (!read) return null;
  try {
    return await read();
  } catch (err) {
    deps.logger.error({ err, what }, "settings section could not be read");
    return null;
  }
}

export function settingsRoutes(deps: DashboardDeps, assets: AssetUrls): Hono<DashboardEnv> {
  const { control } = deps;
  const user = requireUser();
  const admin = [user, requireRole("admin"), csrfProtect()] as const;

  function paramState(section: Section, problems: Problems, preset: string | undefined): ParamFormState {
    const failed = problems.params?.[section];
    const current = control.currentParams()[section];
    const fields = failed ? submittedFields(section, failed.values) : paramFields(section, preset !== undefined ? PRESETS[section][preset] : current);
    return { section, fields, errors: failed?.errors ?? {}, presets: Object.keys(PRESETS[section]), notice: problems.saved?.section === section ? problems.saved.text : undefined };
  }

  async function settingsData(c: Ctx, ctx: ViewContext, problems: Problems, newToken?: SettingsData["newToken"]): Promise<SettingsData> {
    const presetSection = c.req.query("section");
    const preset = c.req.query("preset");
    const presetFor = (s: Section) => (presetSection === s && preset !== undefined && Object.hasOwn(PRESETS[s], preset) ? preset : undefined);
    const isAdmin = ctx.can.admin;
    const secrets = deps.secrets;
    return {
      strategy: paramState("strategy", problems, presetFor("strategy")),
      risk: paramState("risk", problems, presetFor("risk")),
      channels: isAdmin ? await optional(deps, "alert channels", deps.alerts && (() => deps.alerts!.listChannels())) : null,
      channelErrors: problems.channel,
      keys: isAdmin && secrets ? EXCHANGE_KEY_NAMES.map((key) => ({ key, set: secrets.secretInfo(key) !== undefined, ...secrets.secretInfo(key) })) : null,
      keysUnavailable: isAdmin && secrets !== undefined && !secrets.available,
      keyErrors: problems.keys,
      users: isAdmin ? await optional(deps, "users", deps.users && (() => deps.users!.listUsers())) : null,
      userErrors: problems.users,
      tokens: isAdmin ? await optional(deps, "tokens", deps.tokens && (() => deps.tokens!.listTokens())) : null,
      tokenErrors: problems.tokens,
      newToken,
    };
  }

  async function page(c: Ctx, problems: Problems = {}, status: ContentfulStatusCode = 200, newToken?: SettingsData["newToken"]): Promise<Response> {
    const ctx = viewContext(c, deps, assets);
    return renderPage(c, <SettingsPage ctx={ctx} data={await settingsData(c, ctx, problems, newToken)} />, status);
  }

  const tOf = (c: Ctx) => viewContext(c, deps, assets, { flash: undefined }).t;
  const done = (c: Ctx, text: string, anchor: string) => finish(c, { kind: "ok", text }, `/settings#${anchor}`);

  async function saveParams(c: Ctx, section: Section): Promise<Response> {
    const t = tOf(c);
    const form = (await readForm(c)).values;
    const { input, errors, fieldOf } = parseParamsForm(section, form, t);
    let params: ReturnType<(typeof RESOLVERS)[Section]> | undefined;
    try {
      params = RESOLVERS[section](input);
    } catch (e) {
      if (!(e instanceof z.ZodError)) throw e;
      for (const [path, v] of Object.entries(zodFieldErrors(e))) {
        const k = fieldOf(path);
        if (!errors[k]) errors[k] = v;
      }
    }
    if (Object.keys(errors).length > 0 || params === undefined) {
      return page(c, { params: { [section]: { values: form, errors: { _: [t("settings.invalid")], ...errors } } } }, 422);
    }
    const origin = originOf(c);
    const result = await control.updateParams(section === "strategy" ? { strategy: params as never } : { risk: params as never }, origin);
    audit(c, deps, `settings.${section}`, section, { ok: result.ok, message: result.message, params });
    if (!result.ok) return page(c, { params: { [section]: { values: form, errors: { _: [result.message] } } } }, 409);
    const text = t("settings.saved", { section: t(section === "strategy" ? "settings.strategy" : "settings.risk") });
    // htmx swaps the section out of the page; a plain form is redirected (and shown the flash).
    if (isHtmx(c)) return page(c, { saved: { section, text } });
    return done(c, text, `params-${section}`);
  }

  /**
   * Runs a platform service call for a form (users, tokens, secrets: each change is audited by the
   * service itself); a refusal comes back as the page with the section's errors next to its fields.
   */
  async function attempt(c: Ctx, what: string, section: Exclude<keyof Problems, "params" | "channel" | "saved">, run: () => unknown, okText: string, anchor: string): Promise<Response> {
    try {
      await run();
    } catch (err) {
      return page(c, { [section]: refusal(deps, tOf(c), err, what) }, err instanceof ApiError && err.status < 500 ? 422 : 500);
    }
    return done(c, okText, anchor);
  }

  const idParam = (c: Ctx) => {
    const id = Number(c.req.param("id"));
    return Number.isSafeInteger(id) && id > 0 ? id : undefined;
  };

  const routes = new Hono<DashboardEnv>()
    .get("/settings", user, (c) => page(c))
    .post("/settings/strategy", ...admin, (c) => saveParams(c, "strategy"))
    .post("/settings/risk", ...admin, (c) => saveParams(c, "risk"));

  // Exchange API keys: written to the secrets box, never read back or logged.
  routes
    .post("/settings/keys", ...admin, async (c) => {
      const t = tOf(c);
      const secrets = deps.secrets;
      if (!secrets?.available) return page(c, { keys: { _: [t("settings.keysUnavailable")] } }, 503);
      const form = (await readForm(c)).values;
      const errors: FieldErrors = {};
      for (const field of ["accessKey", "secretKey"] as const) if (!KEY_SHAPE.test(form[field] ?? "")) errors[field] = [t("form.keyShape")];
      if (Object.keys(errors).length > 0) return page(c, { keys: errors }, 422);
      const origin = originOf(c);
      return attempt(
        c,
        "secrets.exchangeKeys",
        "keys",
        () => {
          secrets.saveSecret(EXCHANGE_KEY_NAMES[0], form["accessKey"]!, origin);
          secrets.saveSecret(EXCHANGE_KEY_NAMES[1], form["secretKey"]!, origin);
        },
        t("settings.keysSaved"),
        "exchange-keys",
      );
    })
    .post("/settings/keys/delete", ...admin, async (c) => {
      const t = tOf(c);
      const secrets = deps.secrets;
      if (!secrets) return page(c, { keys: { _: [t("settings.unavailable")] } }, 503);
      const origin = originOf(c);
      return attempt(
        c,
        "secrets.exchangeKeys.delete",
        "keys",
        () => {
          for (const key of EXCHANGE_KEY_NAMES) secrets.deleteSecret(key, origin);
        },
        t("settings.keysDeleted"),
        "exchange-keys",
      );
    });

  // Alert channels (the alerter's service).
  routes
    .post("/settings/alerts/test", ...admin, async (c) => {
      const t = tOf(c);
      const id = (await readForm(c)).values["id"] ?? "";
      const alerts = deps.alerts;
      if (!alerts) return finish(c, { kind: "error", text: t("settings.unavailable") }, "/settings#alert-channels", 503);
      const channel = (await alerts.listChannels()).find((ch) => ch.id === id);
      if (!channel) return finish(c, { kind: "error", text: t("error.notFound") }, "/settings#alert-channels", 404);
      const { by } = originOf(c);
      let result;
      try {
        result = await alerts.testChannel(id, by);
      } catch (err) {
        deps.logger.error({ err, channel: id, by }, "alert channel test threw");
        result = { ok: false, retryable: false, error: t("error.failed") };
      }
      audit(c, deps, "alerts.test", id, { kind: channel.kind, name: channel.name, ok: result.ok, error: result.error });
      return result.ok
        ? finish(c, { kind: "ok", text: t("settings.testOk", { name: channel.name }) }, "/settings#alert-channels")
        : finish(c, { kind: "error", text: t("settings.testFailed", { name: channel.name, error: result.error ?? "?" }) }, "/settings#alert-channels", 502);
    })
    .post("/settings/alerts", ...admin, async (c) => {
      const t = tOf(c);
      const alerts = deps.alerts;
      const form = (await readForm(c)).values;
      const kind = form["kind"] ?? "";
      if (!alerts) return page(c, { channel: { kind, errors: { _: [t("settings.unavailable")] } } }, 503);
      if (!(CHANNEL_KINDS as readonly string[]).includes(kind)) return page(c, { channel: { kind, errors: { _: [t("error.badRequest")] } } }, 422);
      const fields = CHANNEL_FORMS[kind] ?? [];
      const errors: FieldErrors = {};
      const name = (form["name"] ?? "").trim();
      if (name === "") errors["name"] = [t("form.required")];
      else if (name.length > 64) errors["name"] = [t("form.tooLong", { max: 64 })];
      const config: Record<string, string> = {};
      for (const f of fields) {
        const v = (form[f.name] ?? "").trim();
        if (f.required && v === "") errors[f.name] = [t("form.required")];
        else if (v.length > 2000) errors[f.name] = [t("form.tooLong", { max: 2000 })];
        else if (v !== "") config[f.name] = v;
      }
      if (Object.keys(errors).length > 0) return page(c, { channel: { kind, errors } }, 422);
      const severity = (ALERT_SEVERITIES as readonly string[]).includes(form["minSeverity"] ?? "") ? (form["minSeverity"] as AlertSeverity) : "warning";
      try {
        await alerts.createChannel({ kind: kind as ChannelKind, name, minSeverity: severity, config }, originOf(c).by);
      } catch (err) {
        return page(c, { channel: { kind, errors: refusal(deps, t, err, "alerts.channel.create") } }, err instanceof ApiError && err.status < 500 ? 422 : 500);
      }
      // The audit row names the fields that were set, never their values (some are secrets).
      audit(c, deps, "alerts.channel.create", name, { kind, fields: Object.keys(config), minSeverity: severity });
      return done(c, t("settings.channelAdded"), "alert-channels");
    })
    .post("/settings/alerts/enable", ...admin, async (c) => {
      const t = tOf(c);
      const form = (await readForm(c)).values;
      const id = form["id"] ?? "";
      const enabled = form["enabled"] === "true";
      if (!deps.alerts) return finish(c, { kind: "error", text: t("settings.unavailable") }, "/settings", 503);
      try {
        await deps.alerts.setChannelEnabled(id, enabled, originOf(c).by);
      } catch (err) {
        return finish(c, { kind: "error", text: refusal(deps, t, err, "alerts.channel.enable")["_"]![0]! }, "/settings#alert-channels", 422);
      }
      audit(c, deps, "alerts.channel.enable", id, { enabled });
      return done(c, t("settings.channelChanged"), "alert-channels");
    })
    .post("/settings/alerts/delete", ...admin, async (c) => {
      const t = tOf(c);
      const id = (await readForm(c)).values["id"] ?? "";
      if (!deps.alerts) return finish(c, { kind: "error", text: t("settings.unavailable") }, "/settings", 503);
      try {
        await deps.alerts.deleteChannel(id, originOf(c).by);
      } catch (err) {
        return finish(c, { kind: "error", text: refusal(deps, t, err, "alerts.channel.delete")["_"]![0]! }, "/settings#alert-channels", 422);
      }
      audit(c, deps, "alerts.channel.delete", id, {});
      return done(c, t("settings.channelDeleted"), "alert-channels");
    });

  // Users and roles (the platform's user service validates and audits every change).
  const userChange = (what: string, change: (users: NonNullable<DashboardDeps["users"]>, id: number, form: Readonly<Record<string, string>>, c: Ctx) => unknown) =>
    async (c: Ctx) => {
      const t = tOf(c);
      const id = idParam(c);
      const form = (await readForm(c)).values;
      if (!deps.users) return page(c, { users: { _: [t("settings.unavailable")] } }, 503);
      if (id === undefined) return page(c, { users: { _: [t("error.badRequest")] } }, 422);
      const users = deps.users;
      return attempt(c, what, "users", () => change(users, id, form, c), t("settings.userSaved"), "users");
    };

  routes
    .post("/settings/users", ...admin, async (c) => {
      const t = tOf(c);
      const users = deps.users;
      if (!users) return page(c, { users: { _: [t("settings.unavailable")] } }, 503);
      const form = (await readForm(c)).values;
      const role = form["role"];
      const lang = form["lang"] ?? "ko";
      if (!isRole(role) || !isLang(lang)) return page(c, { users: { ...(isRole(role) ? {} : { role: [t("error.badRequest")] }), ...(isLang(lang) ? {} : { lang: [t("error.badRequest")] }) } }, 422);
      return attempt(c, "user.create", "users", () => users.createUser({ name: (form["name"] ?? "").trim(), password: form["password"] ?? "", role, lang }, originOf(c)), t("settings.userSaved"), "users");
    })
    .post(
      "/settings/users/:id/role",
      ...admin,
      userChange("user.role", (users, id, form, c) => {
        const role = form["role"];
        if (!isRole(role)) throw new ApiError(400, "invalid_request", "invalid role", { fields: { role: ["one of viewer, operator, admin"] } });
        return users.setRole(id, role, originOf(c));
      }),
    )
    .post("/settings/users/:id/disable", ...admin, userChange("user.disable", (users, id, _form, c) => users.disableUser(id, originOf(c))))
    .post("/settings/users/:id/enable", ...admin, userChange("user.enable", (users, id, _form, c) => users.enableUser(id, originOf(c))))
    .post("/settings/users/:id/password", ...admin, userChange("user.password", (users, id, form, c) => users.resetPassword(id, form["password"] ?? "", originOf(c))));

  // API tokens (the platform's token service): the secret is shown in the answer to its creation only.
  routes
    .post("/settings/tokens", ...admin, async (c) => {
      const t = tOf(c);
      const tokens = deps.tokens;
      if (!tokens) return page(c, { tokens: { _: [t("settings.unavailable")] } }, 503);
      const form = await readForm(c);
      const name = (form.values["name"] ?? "").trim();
      // The service checks the name and the scopes (and audits the creation).
      const scopes = [...new Set(form.all("scopes"))] as Scope[];
      if (scopes.length === 0) return page(c, { tokens: { scopes: [t("form.pickOne")] } }, 422);
      let created: { readonly token: string };
      try {
        created = tokens.createToken({ name, scopes }, originOf(c));
      } catch (err) {
        return page(c, { tokens: refusal(deps, t, err, "token.create") }, err instanceof ApiError && err.status < 500 ? 422 : 500);
      }
      // The secret is in this answer only: never cached, never shown again.
      return page(c, {}, 201, { name, token: created.token });
    })
    .post("/settings/tokens/:id/revoke", ...admin, async (c) => {
      const t = tOf(c);
      const id = idParam(c);
      if (!deps.tokens || id === undefined) return finish(c, { kind: "error", text: t(deps.tokens ? "error.badRequest" : "settings.unavailable") }, "/settings#tokens", deps.tokens ? 400 : 503);
      const tokens = deps.tokens;
      try {
        tokens.revokeToken(id, originOf(c));
      } catch (err) {
        return finish(c, { kind: "error", text: refusal(deps, t, err, "token.revoke")["_"]![0]! }, "/settings#tokens", 422);
      }
      return done(c, t("settings.revoked"), "tokens");
    });

  return routes;
}
