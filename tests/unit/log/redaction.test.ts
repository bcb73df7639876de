import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/log.ts";

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, text: () => chunks.join("") };
}

const SECRET = "sk-9f8e7d6c5b4a-super-secret";
const JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhY2Nlc3Nfa2V5IjoiYWJjIn0.LnOLReBV-qV1S5CJXDILgtRHKJX7DKBtSYXo8ilyUf4";

describe.each(["json", "pretty"] as const)("logger (%s)", (format) => {
  it("never writes a secret, a JWT or an Authorization header", async () => {
    const out = capture();
    const log = createLogger({ format, level: "trace", secrets: [SECRET], destination: out.stream as never });
    log.info({ secretKey: SECRET, exchange: { secretKey: SECRET, accessKey: "ak" } }, "config loaded");
    log.info({ headers: { authorization: `Bearer ${JWT}` } }, "request");
    log.info({ req: { headers: { authorization: `Bearer ${JWT}` } } }, "nested request");
    log.warn(`signing failed for ${SECRET} with token ${JWT}`);
    log.error({ err: new Error(`boom Authorization: Bearer ${JWT}`) }, "error with secret in message");
    log.child({ deep: { a: { b: { secretKey: SECRET } } } }).info("child with a deeply nested secret");
    await new Promise((r) => setTimeout(r, 20));
    const text = out.text();
    expect(text).toContain("config loaded");
    expect(text).toContain("child with a deeply nested secret");
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(JWT);
    expect(text).not.toContain("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.");
  });
});
