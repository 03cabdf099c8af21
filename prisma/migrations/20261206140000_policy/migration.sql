-- Key and account policy, the full price model and balance alerts (issue 15, spec/policy.md).
--
-- 1. Keys: an IP allow-list, a daily spending limit (micro-dollars per UTC day) and a tokens-per-minute limit.
-- 2. Accounts: the RPM default of their keys and an aggregate RPM limit of all their keys together.
-- 3. Models: the existing price columns are the upstream prices (what the provider charges); the gateway charges them
--    times `markup` (null: PRICE_MARKUP), rounded up to the micro-dollar (libs/catalog). `rpm_per_account` limits
--    the requests of one account on the model (0: none; null: DEFAULT_MODEL_RPM_PER_ACCOUNT).
-- 4. Usage records: provider, reasoning tokens, upstream cost and finish reason. Nullable on purpose: gw_settle builds
--    the row with jsonb_populate_record, which turns a key the writer left out (a settle job queued by the previous
--    version) into NULL, and a NOT NULL column would refuse that settlement forever.
-- 5. Balance alerts: settings per account, the armed state of each threshold, and the deliveries.
-- Every limit is checked here too, so that a row written past the admin API cannot hold a limit the gateway
-- would misread (a negative daily limit, a zero RPM).

-- CreateEnum
CREATE TYPE "AlertDeliveryStatus" AS ENUM ('pending', 'delivered', 'failed');

-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "account_rpm_limit" INTEGER,
ADD COLUMN     "rpm_limit" INTEGER;

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "daily_limit_micros" BIGINT,
ADD COLUMN     "ip_allowlist" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "tpm_limit" INTEGER;

-- AlterTable
ALTER TABLE "models" ADD COLUMN     "markup" DECIMAL(9,6),
ADD COLUMN     "rpm_per_account" INTEGER;

-- AlterTable
ALTER TABLE "usage_records" ADD COLUMN     "finish_reason" TEXT,
ADD COLUMN     "provider" "Provider",
ADD COLUMN     "reasoning_tokens" INTEGER,
ADD COLUMN     "upstream_cost_micros" BIGINT;

-- CreateTable
CREATE TABLE "balance_alerts" (
    "account_id" UUID NOT NULL,
    "thresholds_micros" BIGINT[],
    "webhook_url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "balance_alerts_pkey" PRIMARY KEY ("account_id")
);

-- CreateTable
CREATE TABLE "balance_alert_thresholds" (
    "account_id" UUID NOT NULL,
    "threshold_micros" BIGINT NOT NULL,
    "armed" BOOLEAN NOT NULL DEFAULT true,
    "fired_at" TIMESTAMPTZ(3),
    "fired_after_entry_id" BIGINT,

    CONSTRAINT "balance_alert_thresholds_pkey" PRIMARY KEY ("account_id","threshold_micros")
);

-- CreateTable
CREATE TABLE "balance_alert_deliveries" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "threshold_micros" BIGINT NOT NULL,
    "balance_micros" BIGINT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" "AlertDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "delivered_at" TIMESTAMPTZ(3),
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "balance_alert_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "balance_alert_deliveries_account_id_created_at_id_idx" ON "balance_alert_deliveries"("account_id", "created_at", "id");

-- AddForeignKey
ALTER TABLE "balance_alerts" ADD CONSTRAINT "balance_alerts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "balance_alert_thresholds" ADD CONSTRAINT "balance_alert_thresholds_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "balance_alert_deliveries" ADD CONSTRAINT "balance_alert_deliveries_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Lists are never NULL (an empty list means "no restriction" / "no thresholds").
ALTER TABLE "api_keys" ALTER COLUMN "ip_allowlist" SET NOT NULL;
ALTER TABLE "balance_alerts" ALTER COLUMN "thresholds_micros" SET NOT NULL;

ALTER TABLE "accounts" ADD CONSTRAINT "accounts_rpm_limit_positive" CHECK ("rpm_limit" >= 1);
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_account_rpm_limit_positive" CHECK ("account_rpm_limit" >= 1);
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_daily_limit_not_negative" CHECK ("daily_limit_micros" >= 0);
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tpm_limit_positive" CHECK ("tpm_limit" >= 1);
ALTER TABLE "models" ADD CONSTRAINT "models_markup_range" CHECK ("markup" >= 0 AND "markup" <= 100);
ALTER TABLE "models" ADD CONSTRAINT "models_rpm_per_account_not_negative" CHECK ("rpm_per_account" >= 0);
ALTER TABLE "balance_alert_thresholds" ADD CONSTRAINT "balance_alert_thresholds_positive" CHECK ("threshold_micros" > 0);
ALTER TABLE "balance_alert_deliveries" ADD CONSTRAINT "balance_alert_deliveries_threshold_positive" CHECK ("threshold_micros" > 0);

-- Workers claim the pending deliveries that are due.
CREATE INDEX "balance_alert_deliveries_due_idx" ON "balance_alert_deliveries" ("next_attempt_at") WHERE "status" = 'pending';
