-- Upstream resilience (issue "P2 · Upstreams").
--
-- 1. A model's upstream timeout becomes optional: NULL follows the deployment's UPSTREAM_TIMEOUT_S (default 120), a
--    number is the model's own. Until now the column defaulted to 120 and UPSTREAM_TIMEOUT_S was never consulted; no
--    API could tell a deliberate 120 from the default, so rows holding 120 are taken to be on the default (with the
--    default configuration nothing changes for them).
-- 2. Channel links: a priority is never negative and a weight at least 1 (the admin API validates the same; the
--    constraints keep hand-written rows from breaking the proxy's weighted choice).

ALTER TABLE "models" ALTER COLUMN "timeout_s" DROP NOT NULL;
ALTER TABLE "models" ALTER COLUMN "timeout_s" DROP DEFAULT;
UPDATE "models" SET "timeout_s" = NULL WHERE "timeout_s" = 120;

ALTER TABLE "model_channels" ADD CONSTRAINT "model_channels_priority_check" CHECK ("priority" >= 0);
ALTER TABLE "model_channels" ADD CONSTRAINT "model_channels_weight_check" CHECK ("weight" >= 1);
