import { defineConfig } from "drizzle-kit";

// `bun run db:generate` turns src/db/schema.ts changes into a new SQL migration in migrations/.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
