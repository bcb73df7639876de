import type { Child, FC } from "hono/jsx";
import { ActionButton, Badge, Csrf, EmptyRow, FieldError, PageHead } from "../components.tsx";
import type { ViewContext } from "../context.ts";
import { formatKst } from "../format.ts";
import { Layout } from "../layout.tsx";

/**
 * Settings: strategy parameters and risk limits (forms generated from the same zod schemas the
 * runtime validates with, errors next to each field), alert channels with a test button, the
 * exchange API keys (write-only: the page says whether a key is set and who set it, never the
 * key), users and roles, and API tokens (a new token's secret is shown once). Only admins get
 * forms; other roles see the parameters read-only.
 */

export type FieldErrors = Readonly<Record<string, readonly string[]>>;

/** A column of a list field's rows: a number per row, with its bounds as the form states them. */
export interface ParamColumn {
  /** The key in each row's record: `fraction`. */
  readonly key: string;
  readonly min?: number;
  readonly max?: number;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
  /** Typed and shown as a percentage of the stored fraction (its bounds too: 0 … 100). */
  readonly percent?: boolean;
}

/** One cell of a list field as shown: its text, and the exact stored value behind a rounded text. */
export interface ParamCell {
  readonly text: string;
  readonly exact?: string;
}

/** The form field of a list's cell: `takeProfits.levels.0.fraction`. */
export const cellName = (field: string, row: number, key: string) => `${field}.${row}.${key}`;
/** The hidden field carrying a rounded cell's exact value (kept while its text is unchanged). */
export const exactName = (cell: string) => `${cell}:exact`;

/** One input of a parameter form (from the schema's JSON Schema). */
export interface ParamField {
  /** Dotted path, also the form field's name: `stopLoss.atrMultiple`. */
  readonly name: string;
  /** `rows`: a list of number records (take-profit levels), a row of inputs each. */
  readonly kind: "integer" | "number" | "boolean" | "enum" | "json" | "rows";
  readonly options?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** The bound itself is not allowed (`> 0` rather than `≥ 0`). */
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
  /** Empty input means null ("off"). */
  readonly nullable?: boolean;
  /** The value to show (what was submitted, after an error); empty for `rows`. */
  readonly value: string;
  /** `rows`: the columns, how many rows the list may have, and the rows to show. */
  readonly columns?: readonly ParamColumn[];
  readonly maxRows?: number;
  readonly rows?: readonly (readonly ParamCell[])[];
}

export interface ParamFormState {
  readonly section: "strategy" | "risk";
  readonly fields: readonly ParamField[];
  readonly errors: FieldErrors;
  readonly presets: readonly string[];
  /** Shown above the form after a save. */
  readonly notice?: string;
}

export interface ChannelLine {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly minSeverity: string;
  readonly summary?: string;
  readonly editable: boolean;
}

/** The fields of each alert channel kind's form (secret ones are password inputs, never filled in). */
export const CHANNEL_FORMS: Readonly<Record<string, readonly { readonly name: string; readonly secret?: boolean; readonly type?: string; readonly required?: boolean }[]>> = {
  telegram: [{ name: "botToken", secret: true, required: true }, { name: "chatIds", required: true }, { name: "apiUrl", type: "url" }],
  slack: [{ name: "webhookUrl", secret: true, required: true }],
  email: [
    { name: "host", required: true },
    { name: "port", type: "number" },
    { name: "user" },
    { name: "password", secret: true },
    { name: "from", type: "email", required: true },
    { name: "to", required: true },
    { name: "secure", type: "checkbox" },
    { name: "starttls", type: "checkbox" },
  ],
  webhook: [{ name: "url", type: "url", required: true }, { name: "secret", secret: true }],
};

export interface KeyStatus {
  readonly key: string;
  readonly set: boolean;
  readonly updatedBy?: string;
  readonly updatedAt?: number;
}

export interface UserLine {
  readonly id: number;
  readonly name: string;
  readonly role: string;
  readonly lang: string;
  readonly disabled: boolean;
  readonly lockedUntil: number | null;
  readonly createdAt: number;
}

export interface TokenLine {
  readonly id: number;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdBy: string;
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

export interface SettingsData {
  readonly strategy: ParamFormState;
  readonly risk: ParamFormState;
  /** Null when the section is not available (service not connected) or not for this role. */
  readonly channels: readonly ChannelLine[] | null;
  readonly channelErrors?: { readonly kind: string; readonly errors: FieldErrors };
  readonly keys: readonly KeyStatus[] | null;
  /** The secrets box has no key (SECRETS_KEY unset): keys cannot be saved. */
  readonly keysUnavailable?: boolean;
  readonly keyErrors?: FieldErrors;
  readonly users: readonly UserLine[] | null;
  readonly userErrors?: FieldErrors;
  readonly tokens: readonly TokenLine[] | null;
  readonly tokenErrors?: FieldErrors;
  /** A token just created: its secret, shown this once. */
  readonly newToken?: { readonly name: string; readonly token: string };
}

function groupFields(fields: readonly ParamField[]): { group: string; fields: ParamField[] }[] {
  const groups: { group: string; fields: ParamField[] }[] = [];
  for (const f of fields) {
    const dot = f.name.indexOf(".");
    const group = dot < 0 ? "" : f.name.slice(0, dot);
    const last = groups.at(-1);
    if (last && last.group === group) last.fields.push(f);
    else groups.push({ group, fields: [f] });
  }
  return groups;
}

/** The allowed range as a short hint: `1 … 100`, `> 0`, `≤ 1`. */
function bounds(f: Pick<ParamField, "min" | "max" | "minExclusive" | "maxExclusive">): string {
  const lo = f.min === undefined ? "" : `${f.minExclusive ? ">" : "≥"} ${f.min}`;
  const hi = f.max === undefined ? "" : `${f.maxExclusive ? "<" : "≤"} ${f.max}`;
  if (f.min !== undefined && f.max !== undefined && !f.minExclusive && !f.maxExclusive) return `${f.min} … ${f.max}`;
  return [lo, hi].filter((x) => x !== "").join(", ");
}

const fieldId = (section: string, name: string) => `f-${section}-${name.replace(/\./g, "-")}`;

/** Empty rows an admin gets below a list's rows, to add entries without JavaScript. */
const SPARE_ROWS = 2;

/**
 * A list of number records as a table of inputs, a row per entry (take-profit levels: `r` and
 * `fraction` in %). Blank rows are ignored when saved; admins get spare rows to add entries. A
 * rounded cell carries its exact value in a hidden field, so an unchanged form saves the same values.
 */
const RowsInput: FC<{ ctx: ViewContext; section: string; field: ParamField; label: string; errors: FieldErrors; readOnly: boolean }> = ({ ctx, section, field: f, label, errors, readOnly }) => {
  const columns = f.columns ?? [];
  const rows = f.rows ?? [];
  const shown = readOnly ? rows.length : Math.min(f.maxRows ?? rows.length, rows.length + SPARE_ROWS);
  const id = fieldId(section, f.name);
  const listErrors = errors[f.name];
  return (
    <div class="param rows">
      <span class="label mono" id={`${id}-label`}>
        {label}
      </span>
      <table class="table compact param-rows" id={id} aria-labelledby={`${id}-label`} aria-describedby={listErrors && listErrors.length > 0 ? `${id}-err` : undefined}>
        <thead>
          <tr>
            <th class="num">#</th>
            {columns.map((col) => (
              <th class="mono">
                {col.key}
                {col.percent ? " (%)" : ""} <span class="help">{bounds(col)}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: shown }, (_, i) => (
            <tr>
              <td class="num muted">{i + 1}</td>
              {columns.map((col, k) => {
                const name = cellName(f.name, i, col.key);
                const cell = rows[i]?.[k];
                const cellErrors = errors[name];
                const invalid = cellErrors && cellErrors.length > 0 ? "true" : undefined;
                const cellId = fieldId(section, name);
                return (
                  <td>
                    <input
                      type="text"
                      inputmode="decimal"
                      id={cellId}
                      name={name}
                      value={cell?.text ?? ""}
                      readonly={readOnly}
                      aria-label={`${label} ${ctx.t("settings.row", { n: i + 1 })} ${col.key}${col.percent ? " (%)" : ""}`}
                      aria-invalid={invalid}
                      aria-describedby={invalid ? `${cellId}-err` : undefined}
                    />
                    {col.percent ? <span class="unit">%</span> : null}
                    {cell?.exact !== undefined && !readOnly ? <input type="hidden" name={exactName(name)} value={cell.exact} /> : null}
                    <FieldError errors={cellErrors} id={invalid ? `${cellId}-err` : undefined} />
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {readOnly ? null : <span class="help">{ctx.t("settings.rowsHelp")}</span>}
      <FieldError errors={listErrors} id={listErrors && listErrors.length > 0 ? `${id}-err` : undefined} />
    </div>
  );
};

const ParamInput: FC<{ ctx: ViewContext; section: string; field: ParamField; allErrors: FieldErrors; readOnly: boolean }> = ({ ctx, section, field: f, allErrors, readOnly }) => {
  const id = fieldId(section, f.name);
  const errors = allErrors[f.name];
  const invalid = errors && errors.length > 0 ? "true" : undefined;
  const describedBy = invalid ? `${id}-err` : undefined;
  const label = f.name.includes(".") ? f.name.slice(f.name.indexOf(".") + 1) : f.name;
  if (f.kind === "rows") return <RowsInput ctx={ctx} section={section} field={f} label={label} errors={allErrors} readOnly={readOnly} />;
  let input;
  if (f.kind === "boolean") {
    input = <input type="checkbox" id={id} name={f.name} value="true" checked={f.value === "true"} disabled={readOnly} aria-invalid={invalid} aria-describedby={describedBy} />;
  } else if (f.kind === "enum") {
    input = (
      <select id={id} name={f.name} disabled={readOnly} aria-invalid={invalid} aria-describedby={describedBy}>
        {(f.options ?? []).map((o) => (
          <option value={o} selected={o === f.value}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (f.kind === "json") {
    input = (
      <textarea id={id} name={f.name} rows={2} spellcheck={false} readonly={readOnly} aria-invalid={invalid} aria-describedby={describedBy}>
        {f.value}
      </textarea>
    );
  } else {
    input = (
      <input
        type="text"
        inputmode={f.kind === "integer" ? "numeric" : "decimal"}
        id={id}
        name={f.name}
        value={f.value}
        readonly={readOnly}
        placeholder={f.nullable ? ctx.t("settings.off") : undefined}
        aria-invalid={invalid}
        aria-describedby={describedBy}
      />
    );
  }
  return (
    <div class={`param ${f.kind}`}>
      <label for={id} class="mono">
        {label}
      </label>
      {input}
      {bounds(f) || f.nullable ? <span class="help">{[bounds(f), f.nullable ? ctx.t("settings.emptyOff") : ""].filter((x) => x !== "").join(" · ")}</span> : null}
      <FieldError errors={errors} id={describedBy} />
    </div>
  );
};

export const ParamsForm: FC<{ ctx: ViewContext; state: ParamFormState }> = ({ ctx, state }) => {
  const { t } = ctx;
  const readOnly = !ctx.can.admin;
  const formError = state.errors["_"];
  const action = `/settings/${state.section}`;
  return (
    <section class="panel" id={`params-${state.section}`}>
      <div class="panel-head">
        <h2>{t(state.section === "strategy" ? "settings.strategy" : "settings.risk")}</h2>
        {readOnly ? null : (
          <form method="get" action="/settings" class="inline preset-load">
            <input type="hidden" name="section" value={state.section} />
            <select name="preset" aria-label={t("settings.preset")}>
              {state.presets.map((p) => (
                <option value={p}>{p}</option>
              ))}
            </select>
            <button type="submit" class="btn quiet">
              {t("settings.loadPreset")}
            </button>
          </form>
        )}
      </div>
      <Form readOnly={readOnly} action={action} section={state.section}>
        <Csrf ctx={ctx} />
        {state.notice ? (
          <p class="flash ok" role="status">
            {state.notice}
          </p>
        ) : null}
        <FieldError errors={formError} />
        {groupFields(state.fields).map((g) =>
          g.group === "" ? (
            <div class="params-grid">
              {g.fields.map((f) => (
                <ParamInput ctx={ctx} section={state.section} field={f} allErrors={state.errors} readOnly={readOnly} />
              ))}
            </div>
          ) : (
            <fieldset>
              <legend class="mono">{g.group}</legend>
              <div class="params-grid">
                {g.fields.map((f) => (
                  <ParamInput ctx={ctx} section={state.section} field={f} allErrors={state.errors} readOnly={readOnly} />
                ))}
              </div>
            </fieldset>
          ),
        )}
        {readOnly ? (
          <p class="muted">{t("settings.readOnly")}</p>
        ) : (
          <div class="form-actions">
            <button type="submit" class="btn primary">
              {t("settings.apply")}
            </button>
            <span class="help">{t("settings.applyHelp")}</span>
          </div>
        )}
      </Form>
    </section>
  );
};

/** An admin's parameter form (htmx swaps the section with the answer); for others a plain container: nothing to submit. */
const Form: FC<{ readOnly: boolean; action: string; section: string; children?: Child }> = ({ readOnly, action, section, children }) =>
  readOnly ? (
    <div class="params-form">{children}</div>
  ) : (
    <form method="post" action={action} class="params-form" hx-post={action} hx-target={`#params-${section}`} hx-select={`#params-${section}`} hx-swap="outerHTML" hx-disable="find button" novalidate>
      {children}
    </form>
  );

const ChannelsSection: FC<{ ctx: ViewContext; channels: readonly ChannelLine[]; errors?: SettingsData["channelErrors"] }> = ({ ctx, channels, errors }) => {
  const { t } = ctx;
  return (
    <section class="panel" id="alert-channels">
      <h2>{t("settings.alerts")}</h2>
      <div class="table-wrap">
        <table class="table">
          <thead>
            <tr>
              <th>{t("col.name")}</th>
              <th>{t("col.kind")}</th>
              <th>{t("settings.minSeverity")}</th>
              <th>{t("col.state")}</th>
              <th>{t("settings.details")}</th>
              <th>{t("col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {channels.length === 0 ? (
              <EmptyRow cols={6} text={t("settings.noChannels")} />
            ) : (
              channels.map((ch) => (
                <tr>
                  <td>{ch.name}</td>
                  <td>{ch.kind}</td>
                  <td>{t(`severity.${ch.minSeverity as "info"}`)}</td>
                  <td>
                    <Badge tone={ch.enabled ? "ok" : "muted"}>{t(ch.enabled ? "settings.enabled" : "settings.disabled")}</Badge>
                  </td>
                  <td class="muted">{ch.summary ?? ""}</td>
                  <td class="actions">
                    <ActionButton ctx={ctx} action="/settings/alerts/test" values={{ id: ch.id }} label={t("settings.test")} />
                    {ch.editable ? (
                      <>
                        <ActionButton ctx={ctx} action="/settings/alerts/enable" values={{ id: ch.id, enabled: ch.enabled ? "false" : "true" }} label={t(ch.enabled ? "settings.disable" : "settings.enable")} kind="quiet" />
                        <ActionButton ctx={ctx} action="/settings/alerts/delete" values={{ id: ch.id }} label={t("settings.delete")} kind="quiet" />
                      </>
                    ) : null}
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <h3>{t("settings.addChannel")}</h3>
      <div class="channel-forms">
        {Object.entries(CHANNEL_FORMS).map(([kind, fields]) => {
          const errs = errors?.kind === kind ? errors.errors : {};
          return (
            <details open={errors?.kind === kind}>
              <summary>{kind}</summary>
              <form method="post" action="/settings/alerts" class="form">
                <Csrf ctx={ctx} />
                <input type="hidden" name="kind" value={kind} />
                <div class="form-row">
                  <label for={`ch-${kind}-name`}>{t("col.name")}</label>
                  <input id={`ch-${kind}-name`} name="name" required maxlength={64} />
                  <FieldError errors={errs["name"]} />
                </div>
                <div class="form-row">
                  <label for={`ch-${kind}-sev`}>{t("settings.minSeverity")}</label>
                  <select id={`ch-${kind}-sev`} name="minSeverity">
                    {["info", "warning", "critical"].map((s) => (
                      <option value={s} selected={s === "warning"}>
                        {t(`severity.${s as "info"}`)}
                      </option>
                    ))}
                  </select>
                </div>
                {fields.map((f) => (
                  <div class="form-row">
                    <label for={`ch-${kind}-${f.name}`} class="mono">
                      {f.name}
                    </label>
                    {f.type === "checkbox" ? (
                      <input type="checkbox" id={`ch-${kind}-${f.name}`} name={f.name} value="true" />
                    ) : (
                      <input id={`ch-${kind}-${f.name}`} name={f.name} type={f.secret ? "password" : (f.type ?? "text")} autocomplete={f.secret ? "new-password" : "off"} required={f.required} />
                    )}
                    <FieldError errors={errs[f.name]} />
                  </div>
                ))}
                <FieldError errors={errs["_"]} />
                <button type="submit" class="btn primary">
                  {t("settings.addChannel")}
                </button>
              </form>
            </details>
          );
        })}
      </div>
    </section>
  );
};

const KeysSection: FC<{ ctx: ViewContext; keys: readonly KeyStatus[]; errors?: FieldErrors; unavailable?: boolean }> = ({ ctx, keys, errors = {}, unavailable }) => {
  const { t } = ctx;
  return (
    <section class="panel" id="exchange-keys">
      <h2>{t("settings.keys")}</h2>
      <p class="muted">{t("settings.keysHelp")}</p>
      {unavailable ? <p class="flash error">{t("settings.keysUnavailable")}</p> : null}
      <dl class="facts">
        {keys.map((k) => (
          <>
            <dt class="mono">{k.key}</dt>
            <dd>
              {k.set ? <Badge tone="ok">{t("settings.keySet")}</Badge> : <Badge tone="muted">{t("settings.keyNotSet")}</Badge>}
              {k.set && k.updatedAt !== undefined ? <span class="muted"> {t("settings.keyChanged", { by: k.updatedBy ?? "", time: formatKst(k.updatedAt) })}</span> : null}
            </dd>
          </>
        ))}
      </dl>
      <form method="post" action="/settings/keys" class="form">
        <Csrf ctx={ctx} />
        <div class="form-row">
          <label for="key-access">{t("settings.accessKey")}</label>
          <input id="key-access" name="accessKey" type="password" autocomplete="new-password" required minlength={8} maxlength={256} />
          <FieldError errors={errors["accessKey"]} />
        </div>
        <div class="form-row">
          <label for="key-secret">{t("settings.secretKey")}</label>
          <input id="key-secret" name="secretKey" type="password" autocomplete="new-password" required minlength={8} maxlength={256} />
          <FieldError errors={errors["secretKey"]} />
        </div>
        <FieldError errors={errors["_"]} />
        <div class="form-actions">
          <button type="submit" class="btn primary">
            {t("settings.saveKeys")}
          </button>
        </div>
      </form>
      {keys.some((k) => k.set) ? <ActionButton ctx={ctx} action="/settings/keys/delete" label={t("settings.deleteKeys")} kind="danger" /> : null}
    </section>
  );
};

const ROLE_NAMES = ["viewer", "operator", "admin"] as const;

const UsersSection: FC<{ ctx: ViewContext; users: readonly UserLine[]; errors?: FieldErrors }> = ({ ctx, users, errors = {} }) => {
  const { t } = ctx;
  return (
    <section class="panel" id="users">
      <h2>{t("settings.users")}</h2>
      <div class="table-wrap">
        <table class="table">
          <thead>
            <tr>
              <th>{t("col.name")}</th>
              <th>{t("settings.role")}</th>
              <th>{t("settings.lang")}</th>
              <th>{t("col.state")}</th>
              <th>{t("col.createdKst")}</th>
              <th>{t("col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr>
                <td>{u.name}</td>
                <td>
                  <form method="post" action={`/settings/users/${u.id}/role`} class="inline">
                    <Csrf ctx={ctx} />
                    <select name="role" aria-label={t("settings.role")}>
                      {ROLE_NAMES.map((r) => (
                        <option value={r} selected={r === u.role}>
                          {t(`role.${r}`)}
                        </option>
                      ))}
                    </select>
                    <button type="submit" class="btn quiet">
                      {t("settings.change")}
                    </button>
                  </form>
                </td>
                <td>{u.lang}</td>
                <td>
                  {u.disabled ? <Badge tone="bad">{t("settings.disabled")}</Badge> : <Badge tone="ok">{t("settings.enabled")}</Badge>}
                  {u.lockedUntil ? <span class="muted"> {t("settings.lockedUntil", { time: formatKst(u.lockedUntil) })}</span> : null}
                </td>
                <td class="time">{formatKst(u.createdAt)}</td>
                <td class="actions">
                  <ActionButton ctx={ctx} action={`/settings/users/${u.id}/${u.disabled ? "enable" : "disable"}`} label={t(u.disabled ? "settings.enable" : "settings.disable")} kind="quiet" />
                  <form method="post" action={`/settings/users/${u.id}/password`} class="inline">
                    <Csrf ctx={ctx} />
                    <input name="password" type="password" autocomplete="new-password" minlength={12} required placeholder={t("settings.newPassword")} aria-label={t("settings.newPassword")} />
                    <button type="submit" class="btn quiet">
                      {t("settings.resetPassword")}
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>{t("settings.addUser")}</h3>
      <form method="post" action="/settings/users" class="form inline-form">
        <Csrf ctx={ctx} />
        <div class="form-row">
          <label for="nu-name">{t("col.name")}</label>
          <input id="nu-name" name="name" required maxlength={64} autocomplete="off" />
          <FieldError errors={errors["name"]} />
        </div>
        <div class="form-row">
          <label for="nu-password">{t("settings.password")}</label>
          <input id="nu-password" name="password" type="password" required minlength={12} autocomplete="new-password" />
          <FieldError errors={errors["password"]} />
        </div>
        <div class="form-row">
          <label for="nu-role">{t("settings.role")}</label>
          <select id="nu-role" name="role">
            {ROLE_NAMES.map((r) => (
              <option value={r}>{t(`role.${r}`)}</option>
            ))}
          </select>
          <FieldError errors={errors["role"]} />
        </div>
        <div class="form-row">
          <label for="nu-lang">{t("settings.lang")}</label>
          <select id="nu-lang" name="lang">
            <option value="ko">한국어</option>
            <option value="en">English</option>
          </select>
        </div>
        <FieldError errors={errors["_"]} />
        <button type="submit" class="btn primary">
          {t("settings.addUser")}
        </button>
      </form>
    </section>
  );
};

const SCOPES = ["read", "trade", "admin"] as const;

const TokensSection: FC<{ ctx: ViewContext; tokens: readonly TokenLine[]; errors?: FieldErrors; newToken?: SettingsData["newToken"] }> = ({ ctx, tokens, errors = {}, newToken }) => {
  const { t } = ctx;
  return (
    <section class="panel" id="tokens">
      <h2>{t("settings.tokens")}</h2>
      {newToken ? (
        <div class="flash ok new-token" role="status">
          <p>{t("settings.tokenCreated", { name: newToken.name })}</p>
          <code class="secret" tabindex={0}>
            {newToken.token}
          </code>
          <p class="small">{t("settings.tokenOnce")}</p>
        </div>
      ) : null}
      <div class="table-wrap">
        <table class="table">
          <thead>
            <tr>
              <th>{t("col.name")}</th>
              <th>{t("settings.scopes")}</th>
              <th>{t("settings.createdBy")}</th>
              <th>{t("col.createdKst")}</th>
              <th>{t("settings.lastUsed")}</th>
              <th>{t("col.state")}</th>
              <th>{t("col.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {tokens.length === 0 ? (
              <EmptyRow cols={7} text={t("settings.noTokens")} />
            ) : (
              tokens.map((tk) => (
                <tr>
                  <td>{tk.name}</td>
                  <td>{tk.scopes.join(", ")}</td>
                  <td>{tk.createdBy}</td>
                  <td class="time">{formatKst(tk.createdAt)}</td>
                  <td class="time">{formatKst(tk.lastUsedAt)}</td>
                  <td>{tk.revokedAt ? <Badge tone="muted">{t("settings.revokedAt", { time: formatKst(tk.revokedAt) })}</Badge> : <Badge tone="ok">{t("settings.active")}</Badge>}</td>
                  <td class="actions">{tk.revokedAt ? null : <ActionButton ctx={ctx} action={`/settings/tokens/${tk.id}/revoke`} label={t("settings.revoke")} kind="danger" />}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <h3>{t("settings.addToken")}</h3>
      <form method="post" action="/settings/tokens" class="form inline-form">
        <Csrf ctx={ctx} />
        <div class="form-row">
          <label for="tk-name">{t("col.name")}</label>
          <input id="tk-name" name="name" required maxlength={64} autocomplete="off" />
          <FieldError errors={errors["name"]} />
        </div>
        <fieldset class="form-row">
          <legend>{t("settings.scopes")}</legend>
          {SCOPES.map((s) => (
            <label class="check">
              <input type="checkbox" name="scopes" value={s} checked={s === "read"} /> {s}
            </label>
          ))}
          <FieldError errors={errors["scopes"]} />
        </fieldset>
        <FieldError errors={errors["_"]} />
        <button type="submit" class="btn primary">
          {t("settings.addToken")}
        </button>
      </form>
    </section>
  );
};

const Unavailable: FC<{ ctx: ViewContext; title: string }> = ({ ctx, title }) => (
  <section class="panel">
    <h2>{title}</h2>
    <p class="muted">{ctx.t("settings.unavailable")}</p>
  </section>
);

export const SettingsPage: FC<{ ctx: ViewContext; data: SettingsData }> = ({ ctx, data }) => {
  const { t } = ctx;
  const admin = ctx.can.admin;
  return (
    <Layout ctx={ctx} title={t("nav.settings")}>
      <PageHead title={t("nav.settings")} sub={t(admin ? "settings.sub" : "settings.subReadOnly")} />
      <ParamsForm ctx={ctx} state={data.strategy} />
      <ParamsForm ctx={ctx} state={data.risk} />
      {admin ? (
        <>
          {data.channels ? <ChannelsSection ctx={ctx} channels={data.channels} errors={data.channelErrors} /> : <Unavailable ctx={ctx} title={t("settings.alerts")} />}
          {data.keys ? <KeysSection ctx={ctx} keys={data.keys} errors={data.keyErrors} unavailable={data.keysUnavailable} /> : <Unavailable ctx={ctx} title={t("settings.keys")} />}
          {data.users ? <UsersSection ctx={ctx} users={data.users} errors={data.userErrors} /> : <Unavailable ctx={ctx} title={t("settings.users")} />}
          {data.tokens ? <TokensSection ctx={ctx} tokens={data.tokens} errors={data.tokenErrors} newToken={data.newToken} /> : <Unavailable ctx={ctx} title={t("settings.tokens")} />}
        </>
      ) : null}
    </Layout>
  );
};
