import { defineConfig } from "prisma/config";

// The CLI is used only for `prisma generate` (WASM). Migrations are applied by
// server/store/migrate.ts, without Prisma's schema-engine binary.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost/kubetrail" },
});
