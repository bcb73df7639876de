import { createCipheriv, createDecipheriv } from "node:crypto";
import type { Origin } from "../core/messages.ts";
import { deleteSecretRow, getSecretRow, listSecretKeys, recordAudit, upsertSecret, type Db, type SecretInfo } from "../db/index.ts";
import type { Clock } from "../ports/clock.ts";
import { ApiError } from "./errors.ts";

/**
 * The secrets box: secrets at rest (exchange API keys, alert channel credentials) encrypted with
 * AES-256-GCM under the key from `SECRETS_KEY`. Each value gets a fresh 12-byte IV, and the
 * secret's name is bound in as additional data, so a ciphertext copied onto another name does not
 * decrypt. Without a key nothing can be saved (a clear 503 the settings page shows); values are
 * only ever returned by `readSecret`, server-side, and `onReveal` hands every plaintext the box
 * touches to the log scrubber so it can never appear in a log line.
 */

/** Names of the exchange credentials the settings page stores. */
export const EXCHANGE_SECRET_KEYS = { accessKey: "bithumb.access_key", secretKey: "bithumb.secret_key" } as const;

/** Secret names: dotted lower-case words (`bithumb.access_key`, `alerts.3.bot_token`). */
export const SECRET_KEY_RE = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;

/** Longest secret value accepted (API keys and tokens are far shorter). */
export const SECRET_MAX_LENGTH = 4_096;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED_PREFIX = "v1:";

export class SecretsUnavailableError extends ApiError {
  constructor() {
    super(503, "secrets_unavailable", "secrets cannot be stored: SECRETS_KEY is not set (base64 of 32 random bytes, e.g. `openssl rand -base64 32`)");
    this.name = "SecretsUnavailableError";
  }
}

export interface SecretsBoxOptions {
  readonly db: Db;
  readonly clock: Clock;
  /** 32 bytes from SECRETS_KEY; absent: the box is unavailable (reading and listing still work for names). */
  readonly key?: Uint8Array;
  /** Called with every plaintext saved or read: main adds it to the log scrubber. */
  readonly onReveal?: (plaintext: string) => void;
  readonly random?: (byteLength: number) => Uint8Array;
}

export class SecretsBox {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #key: Buffer | undefined;
  readonly #onReveal: (plaintext: string) => void;
  readonly #random: (n: number) => Uint8Array;

  constructor(options: SecretsBoxOptions) {
    if (options.key !== undefined && options.key.length !== 32) throw new Error(`SecretsBox: the key must be 32 bytes, got ${options.key.length}`);
    this.#db = options.db;
    this.#clock = options.clock;
    this.#key = options.key ? Buffer.from(options.key) : undefined;
    this.#onReveal = options.onReveal ?? (() => {});
    this.#random = options.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n)));
  }

  /** False when SECRETS_KEY is not configured: saving is refused and the settings page says why. */
  get available(): boolean {
    return this.#key !== undefined;
  }

  /** Encrypts and stores a secret, with an audit row naming the key (never the value). */
  saveSecret(key: string, plaintext: string, origin: Origin | string): void {
    checkKey(key);
    if (plaintext.length === 0 || plaintext.length > SECRET_MAX_LENGTH) throw new ApiError(400, "invalid_request", "invalid secret", { fields: { value: [`1 to ${SECRET_MAX_LENGTH} characters`] } });
    const { iv, ciphertext } = this.#encrypt(plaintext, key);
    this.#onReveal(plaintext);
    const by = typeof origin === "string" ? { by: origin } : origin;
    const now = this.#clock.now();
    this.#db.transaction((tx) => {
      upsertSecret(tx, { key, ciphertext, iv, updatedBy: by.by }, now);
      recordAudit(tx, { actor: by.by, action: "secret.saved", target: key, source: by.source }, now);
    });
  }

  hasSecret(key: string): boolean {
    return getSecretRow(this.#db, key) !== undefined;
  }

  /** The plaintext, for server-side use only (never render or return it); undefined when not stored. */
  readSecret(key: string): string | undefined {
    const row = getSecretRow(this.#db, key);
    if (!row) return undefined;
    const plaintext = this.#decrypt(row.ciphertext, row.iv, key);
    this.#onReveal(plaintext);
    return plaintext;
  }

  /** Deletes a secret (audited); false when there was none. */
  deleteSecret(key: string, origin: Origin | string = "system"): boolean {
    const by = typeof origin === "string" ? { by: origin } : origin;
    const now = this.#clock.now();
    return this.#db.transaction((tx) => {
      const deleted = deleteSecretRow(tx, key);
      if (deleted) recordAudit(tx, { actor: by.by, action: "secret.deleted", target: key, source: by.source }, now);
      return deleted;
    });
  }

  /** Who stored a secret and when (never its value); undefined when not stored. */
  secretInfo(key: string): SecretInfo | undefined {
    const row = getSecretRow(this.#db, key);
    return row ? { key: row.key, updatedBy: row.updatedBy, updatedAt: row.updatedAt } : undefined;
  }

  /** Which secrets are stored, by whom and when: never their values. */
  listSecrets(): SecretInfo[] {
    return listSecretKeys(this.#db);
  }

  /**
   * Encrypts a value to embed in another record (an alert channel's JSON config):
   * `v1:<iv>:<ciphertext+tag>` in base64, bound to `context` (e.g. `alert_channels.3.botToken`).
   */
  seal(plaintext: string, context: string): string {
    const { iv, ciphertext } = this.#encrypt(plaintext, context);
    this.#onReveal(plaintext);
    return `${SEALED_PREFIX}${iv}:${ciphertext}`;
  }

  /** Decrypts a value made by `seal` with the same context (throws when tampered or the key differs). */
  open(sealed: string, context: string): string {
    if (!isSealed(sealed)) throw new Error("SecretsBox.open: not a sealed value");
    const [iv, ciphertext] = sealed.slice(SEALED_PREFIX.length).split(":") as [string, string];
    const plaintext = this.#decrypt(ciphertext, iv, context);
    this.#onReveal(plaintext);
    return plaintext;
  }

  #encrypt(plaintext: string, aad: string): { iv: string; ciphertext: string } {
    if (!this.#key) throw new SecretsUnavailableError();
    const iv = Buffer.from(this.#random(IV_BYTES));
    if (iv.length !== IV_BYTES) throw new Error("SecretsBox: random() returned too few bytes");
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return { iv: iv.toString("base64"), ciphertext: body.toString("base64") };
  }

  #decrypt(ciphertextB64: string, ivB64: string, aad: string): string {
    if (!this.#key) throw new SecretsUnavailableError();
    const body = Buffer.from(ciphertextB64, "base64");
    if (body.length < TAG_BYTES) throw new Error("SecretsBox: ciphertext too short");
    const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(ivB64, "base64"), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  }
}

/** True for a value made by `seal` (so a config can tell sealed fields from plain ones). */
export function isSealed(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(SEALED_PREFIX) && value.split(":").length === 3;
}

function checkKey(key: string): void {
  if (!SECRET_KEY_RE.test(key)) throw new ApiError(400, "invalid_request", "invalid secret name", { fields: { key: ["lower-case letters, digits, '.', '_', ':' or '-', at most 64"] } });
}

export function createSecretsBox(options: SecretsBoxOptions): SecretsBox {
  return new SecretsBox(options);
}
