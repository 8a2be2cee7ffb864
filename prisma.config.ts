// Prisma CLI configuration. The URL falls back to "" so that `prisma generate` works with no
// database configured (see scripts/prisma-generate.ts).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations", seed: "tsx prisma/seed.ts" },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
