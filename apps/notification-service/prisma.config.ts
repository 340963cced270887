// Prisma 7 configuration for notification-service. The Prisma CLI reads it; the offline tooling
// (npm run db:migrate, libs/persistence) uses the same paths by convention.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: {
    // Not `env('DATABASE_URL')`: that throws when unset, and `prisma generate` needs no database.
    url: process.env.DATABASE_URL,
  },
});
