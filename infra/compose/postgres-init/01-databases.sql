-- docker-compose.yml: runs once, when the postgres container starts on an empty data volume
-- (docker-entrypoint-initdb.d), as POSTGRES_USER. One database per service that keeps relational
-- state (database-per-service: infra/local/services.ts; the compose test checks this list).
-- The schemas come later from the "init" job (npm run db:migrate -- deploy).
CREATE DATABASE seckill_order;
CREATE DATABASE seckill_inventory;
CREATE DATABASE seckill_payment;
CREATE DATABASE seckill_logistics;
CREATE DATABASE seckill_notification;
