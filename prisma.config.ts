// Used by the prisma CLI (generate; migrate deploy where the native engine exists).
// The server itself never reads this file: it applies migrations through src/db/migrate.ts.
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/faena' },
})
