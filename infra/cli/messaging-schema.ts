import { MESSAGING_PRISMA_MODELS, MESSAGING_TABLES_SQL } from '@seckill/persistence';

/**
 * `node -r @swc-node/register infra/cli/messaging-schema.ts [prisma|sql]`: prints the messaging
 * tables' one definition (libs/persistence/src/messaging/messaging-schema.ts), the Prisma models
 * to paste into each service's schema.prisma or the DDL an empty database gets.
 */
const what = process.argv[2] ?? 'prisma';
if (what === 'prisma') process.stdout.write(MESSAGING_PRISMA_MODELS);
else if (what === 'sql') process.stdout.write(MESSAGING_TABLES_SQL);
else {
  console.error('usage: node -r @swc-node/register infra/cli/messaging-schema.ts [prisma|sql]');
  process.exitCode = 2;
}
