import { baseCurrency, type Market } from "../../../core/model.ts";

/** Display names Bithumb lists in `GET /v1/market/all` for the coins the bundled data covers. */
const NAMES: Readonly<Record<string, { readonly korean: string; readonly english: string }>> = {
  BTC: { korean: "비트코인", english: "Bitcoin" },
  ETH: { korean: "이더리움", english: "Ethereum" },
  XRP: { korean: "리플", english: "XRP" },
  SOL: { korean: "솔라나", english: "Solana" },
  DOGE: { korean: "도지코인", english: "Dogecoin" },
  ADA: { korean: "에이다", english: "Cardano" },
  NEO: { korean: "네오", english: "NEO" },
};

/** Korean and English names of a market; unknown coins are named by their code. */
export function marketNames(market: Market): { korean: string; english: string } {
  const coin = baseCurrency(market);
  return NAMES[coin] ?? { korean: coin, english: coin };
}
