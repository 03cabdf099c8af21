-- Per-key daily spending limit on the PostgreSQL money store (spec/policy.md, "Per-key policy"; issue 15).
--
-- 1. api_key_daily_spend: what each key spent per UTC day, as the limit counts it: its open holds plus its settled
--    charges, each on the day its hold was placed. A trigger on reservations keeps it: a hold adds its amount, and its
--    close moves that amount to what was charged (0 for a release; the sweep's delivered cost; a late settlement's
--    cost), so the day's figure is always "settled charges plus open holds" without a scan.
-- 2. gw_reserve takes each item's `daily_limit_micros` (the key's limit as the proxy's key record has it; null: no
--    cap) and refuses a hold that would take the key's spending of today past it, under the account's row lock like
--    the balance check: concurrent requests of one key, from any number of proxies, cannot both pass. It now also
--    says why it refused (`refusal`: 'daily_limit' | 'balance') and how much of the day's limit is left after the item
--    (`daily_left_micros`, null without a limit), so the proxy can answer 403 rather than 402 and know whether an
--    exact token count could still fit.
-- The wallet (BILLING_STORE=wallet) keeps the same figure in Redis next to the account (libs/wallet hold.lua).

CREATE TABLE "api_key_daily_spend" (
    "key_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "spent_micros" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "api_key_daily_spend_pkey" PRIMARY KEY ("key_id","day")
);

ALTER TABLE "api_key_daily_spend" ADD CONSTRAINT "api_key_daily_spend_key_id_fkey" FOREIGN KEY ("key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- What one reservation counts for in its key's day: an open hold its amount, a released one nothing, a settled one the
-- charge the ledger holds for its generation.
CREATE FUNCTION gw_reservation_spend(p_status "ReservationStatus", p_amount bigint, p_generation text)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_status = 'open' THEN
    RETURN p_amount;
  ELSIF p_status = 'released' THEN
    RETURN 0;
  END IF;
  RETURN (SELECT COALESCE(-SUM(l.amount_micros), 0) FROM ledger_entries l
           WHERE l.generation_id = p_generation AND l.kind IN ('settlement', 'late_settlement'));
END $$;

CREATE FUNCTION gw_track_key_daily_spend() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_delta bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    v_delta := gw_reservation_spend(NEW.status, NEW.amount_micros, NEW.generation_id);
  ELSE
    v_delta := gw_reservation_spend(NEW.status, NEW.amount_micros, NEW.generation_id)
             - gw_reservation_spend(OLD.status, OLD.amount_micros, OLD.generation_id);
  END IF;
  IF v_delta <> 0 THEN
    INSERT INTO api_key_daily_spend AS s (key_id, day, spent_micros)
      VALUES (NEW.key_id, (NEW.created_at AT TIME ZONE 'UTC')::date, v_delta)
      ON CONFLICT (key_id, day) DO UPDATE SET spent_micros = s.spent_micros + EXCLUDED.spent_micros;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER reservations_key_daily_spend_insert AFTER INSERT ON reservations
  FOR EACH ROW EXECUTE FUNCTION gw_track_key_daily_spend();
-- Only a change of status moves money (heartbeats, which update the row often, do not fire it).
CREATE TRIGGER reservations_key_daily_spend_close AFTER UPDATE OF status ON reservations
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION gw_track_key_daily_spend();

-- Holds placed before this migration count too (their day's spending so far), so a limit set today sees them.
INSERT INTO api_key_daily_spend (key_id, day, spent_micros)
SELECT r.key_id, (r.created_at AT TIME ZONE 'UTC')::date,
       SUM(gw_reservation_spend(r.status, r.amount_micros, r.generation_id))
  FROM reservations r
 WHERE r.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
 GROUP BY 1, 2;

DROP FUNCTION gw_reserve_many(jsonb, text);
DROP FUNCTION gw_reserve(uuid, jsonb, text);

-- gw_reserve as 20261125200000_billing_settlement_guards wrote it (see its comments), plus the key's daily limit:
-- p_items: [{ "generation_id", "amount_micros", "key_id", "model_id", "daily_limit_micros" | null }, ...].
CREATE FUNCTION gw_reserve(p_account uuid, p_items jsonb, p_instance text)
RETURNS TABLE (generation_id text, accepted boolean, balance_micros bigint, refusal text, daily_left_micros bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_balance  bigint;
  v_reserved bigint;
  v_status   "AccountStatus";
  v_item     jsonb;
  v_gen      text;
  v_amount   bigint;
  v_key      uuid;
  v_limit    bigint;
  v_spent    bigint;
  v_today    date := (now() AT TIME ZONE 'UTC')::date;
  v_moved    boolean := false;
BEGIN
  SELECT a.balance_micros, a.reserved_micros, a.status INTO v_balance, v_reserved, v_status
    FROM accounts a WHERE a.id = p_account FOR UPDATE;
  FOR v_item IN SELECT value FROM jsonb_array_elements(p_items) LOOP
    v_gen := v_item->>'generation_id';
    v_amount := (v_item->>'amount_micros')::bigint;
    v_key := (v_item->>'key_id')::uuid;
    v_limit := (v_item->>'daily_limit_micros')::bigint;
    IF v_gen IS NULL OR v_amount IS NULL OR v_amount <= 0 THEN
      RAISE EXCEPTION 'gw_reserve: each item needs a generation_id and a positive amount_micros (got %)', v_item
        USING ERRCODE = 'check_violation';
    END IF;
    generation_id := v_gen;
    refusal := NULL;
    daily_left_micros := NULL;
    IF v_limit IS NOT NULL THEN
      -- The account row lock above serialises every hold of the key's account, hence of the key.
      SELECT s.spent_micros INTO v_spent FROM api_key_daily_spend s WHERE s.key_id = v_key AND s.day = v_today;
      daily_left_micros := v_limit - COALESCE(v_spent, 0);
    END IF;
    IF v_balance IS NULL OR v_status <> 'active' THEN
      accepted := false;
      refusal := 'balance';
    ELSIF EXISTS (SELECT 1 FROM reservations r WHERE r.generation_id = v_gen) THEN
      accepted := EXISTS (SELECT 1 FROM reservations r WHERE r.generation_id = v_gen AND r.account_id = p_account);
      IF NOT accepted THEN refusal := 'balance'; END IF;
    ELSIF daily_left_micros IS NOT NULL AND daily_left_micros < v_amount THEN
      accepted := false;
      refusal := 'daily_limit';
    ELSIF v_balance >= v_amount THEN
      v_balance := v_balance - v_amount;
      v_reserved := v_reserved + v_amount;
      v_moved := true;
      INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, generation_id)
        VALUES (p_account, 'reservation', -v_amount, v_balance, v_gen);
      INSERT INTO reservations (generation_id, account_id, key_id, model_id, amount_micros, instance_id)
        VALUES (v_gen, p_account, v_key, v_item->>'model_id', v_amount, p_instance);
      daily_left_micros := daily_left_micros - v_amount;
      accepted := true;
    ELSE
      accepted := false;
      refusal := 'balance';
    END IF;
    balance_micros := v_balance;
    RETURN NEXT;
  END LOOP;
  IF v_moved THEN
    UPDATE accounts SET balance_micros = v_balance, reserved_micros = v_reserved, updated_at = now()
      WHERE id = p_account;
  END IF;
END $$;

CREATE FUNCTION gw_reserve_many(p_groups jsonb, p_instance text)
RETURNS TABLE (account_id uuid, generation_id text, accepted boolean, balance_micros bigint, refusal text,
               daily_left_micros bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_group jsonb;
  v_account uuid;
BEGIN
  FOR v_group IN SELECT value FROM jsonb_array_elements(p_groups) ORDER BY (value->>'account_id')::uuid LOOP
    v_account := (v_group->>'account_id')::uuid;
    RETURN QUERY SELECT v_account, r.generation_id, r.accepted, r.balance_micros, r.refusal, r.daily_left_micros
      FROM gw_reserve(v_account, v_group->'items', p_instance) r;
  END LOOP;
END $$;
