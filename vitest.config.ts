import { defineConfig } from "vitest/config";

// Vitest runs under Bun (`bunx --bun vitest run`): the forks pool fails under Bun, so threads.
export default defineConfig({
  test: {
    pool: "threads",
    include: ["tests/**/*.test.ts", "tests/**/*.test.tsx"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    coverage: { provider: "v8", include: ["src/**/*.ts", "actors/**/*.ts"], reporter: ["text-summary"] },
  },
});
