/** Paper mode: real Bithumb public data, fills simulated locally (docs/paper-mode.md). */
export {
  createPaperExchange,
  DEFAULT_BOOK_MAX_AGE_MS,
  DEFAULT_PAPER_INITIAL_KRW,
  defaultPaperStorePath,
  PAPER_STORE_FILE,
  PaperExchange,
  type PaperExchangeHandle,
  type PaperExchangeOptions,
} from "./paper-exchange.ts";
export { PaperPrivateStream } from "./private-stream.ts";
