-- Hold heartbeats (issue "P1 · Hardening", item 5).
--
-- 1. A running request keeps its hold alive: its proxy refreshes heartbeat_at of all its open holds in one statement
--    every HOLD_HEARTBEAT_EVERY_MS, and records with it what each request has delivered so far (tokens and their
--    cost). The stale sweep takes only holds whose heartbeat is older than RESERVATION_STALE_AFTER_S, so a stream may
--    run for hours and the stale window can be well under a minute.
-- 2. The sweep charges what a dead proxy's request had delivered (as of its last beat) instead of giving it away:
--    gw_settle with closed_by 'sweep' releases the hold, charges delivered_cost_micros, and writes an 'abandoned'
--    usage record carrying the delivered tokens. It re-checks the heartbeat under the row locks, so a hold that beat
--    after the sweep read it is left alone ('alive'), and it stays exactly-once however many workers sweep.
-- 3. A request that does finish after the sweep is charged once: its cost if the sweep charged nothing, nothing more
--    if the sweep charged what it had delivered (one settlement entry per request, as ever).

ALTER TABLE "reservations" ADD COLUMN "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE "reservations" ADD COLUMN "delivered_input_tokens" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "reservations" ADD COLUMN "delivered_output_tokens" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "reservations" ADD COLUMN "delivered_cached_input_tokens" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "reservations" ADD COLUMN "delivered_cache_write_tokens" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "reservations" ADD COLUMN "delivered_cost_micros" BIGINT NOT NULL DEFAULT 0;
UPDATE "reservations" SET "heartbeat_at" = "created_at";
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_delivered_not_negative" CHECK (
  "delivered_input_tokens" >= 0 AND "delivered_output_tokens" >= 0 AND "delivered_cached_input_tokens" >= 0
  AND "delivered_cache_write_tokens" >= 0 AND "delivered_cost_micros" >= 0);

CREATE INDEX "reservations_status_heartbeat_at_idx" ON "reservations"("status", "heartbeat_at");

-- Close a batch of reservations on one account in one transaction: release each hold in full and charge the real
-- cost (a cost of 0 is a plain release), and write each request's usage record in the same transaction, so that a
-- usage record never exists without its ledger entries or the reverse.
--
-- p_items: [{ "generation_id", "cost_micros", "closed_by", "usage": { usage_records columns } | null,
--             "stale_before": timestamptz (sweep only) }, ...]
-- closed_by: 'settlement' | 'release' (the request's own close) | 'sweep' (by the worker: cost 0 and no usage; the
-- hold is taken only if its heartbeat is older than stale_before, and charged the delivered cost its last beat wrote).
-- Idempotent per generation id: a reservation already closed moves nothing again, except that a request whose hold
-- the sweep took without charging anything, and which then did finish, is charged its cost ('late_settled').
-- The usage record's reserved_micros, cost_micros and overrun_micros are what the ledger holds for the generation,
-- whatever the caller sent. A sweep writes an 'abandoned' usage record (status 0: the client got no answer from us)
-- with the delivered tokens, replaced by the request's own record if its close arrives later.
-- Returns per item: 'settled' | 'released' | 'late_settled' | 'abandoned' | 'alive' | 'duplicate' | 'missing'.
CREATE OR REPLACE FUNCTION gw_settle(p_account uuid, p_items jsonb)
RETURNS TABLE (generation_id text, outcome text, balance_micros bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_balance      bigint;
  v_reserved     bigint;
  v_item         jsonb;
  v_gen          text;
  v_cost         bigint;
  v_closed_by    text;
  v_stale_before timestamptz;
  v_res          reservations%ROWTYPE;
  v_found        boolean;
  v_charged      bigint;
  v_held         bigint;
  v_usage        usage_records%ROWTYPE;
  v_moved        boolean := false;
BEGIN
  SELECT a.balance_micros, a.reserved_micros INTO v_balance, v_reserved
    FROM accounts a WHERE a.id = p_account FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'account % not found', p_account USING ERRCODE = 'no_data_found';
  END IF;
  FOR v_item IN SELECT value FROM jsonb_array_elements(p_items) LOOP
    v_gen := v_item->>'generation_id';
    v_cost := COALESCE((v_item->>'cost_micros')::bigint, 0);
    v_closed_by := COALESCE(v_item->>'closed_by', 'settlement');
    v_stale_before := (v_item->>'stale_before')::timestamptz;
    IF v_gen IS NULL OR v_cost < 0 OR v_closed_by NOT IN ('settlement', 'release', 'sweep')
       OR (v_closed_by = 'sweep' AND (v_cost <> 0 OR v_stale_before IS NULL)) THEN
      RAISE EXCEPTION 'gw_settle: malformed item %', v_item USING ERRCODE = 'check_violation';
    END IF;
    generation_id := v_gen;
    v_charged := 0;
    SELECT * INTO v_res FROM reservations r WHERE r.generation_id = v_gen AND r.account_id = p_account FOR UPDATE;
    v_found := FOUND;
    IF NOT v_found THEN
      outcome := 'missing';
    ELSIF v_closed_by = 'sweep' AND v_res.status <> 'open' THEN
      outcome := 'duplicate';
    ELSIF v_closed_by = 'sweep' AND v_res.heartbeat_at >= v_stale_before THEN
      outcome := 'alive';
    ELSIF v_res.status = 'open' THEN
      -- The sweep charges what the request had delivered at its last heartbeat (its proxy is gone).
      IF v_closed_by = 'sweep' THEN
        v_cost := v_res.delivered_cost_micros;
      END IF;
      v_balance := v_balance + v_res.amount_micros;
      v_reserved := v_reserved - v_res.amount_micros;
      INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, generation_id)
        VALUES (p_account, 'release', v_res.amount_micros, v_balance, v_gen);
      IF v_cost > 0 THEN
        v_balance := v_balance - v_cost;
        INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, generation_id)
          VALUES (p_account, 'settlement', -v_cost, v_balance, v_gen);
      END IF;
      v_charged := v_cost;
      UPDATE reservations SET status = (CASE WHEN v_cost > 0 THEN 'settled' ELSE 'released' END)::"ReservationStatus",
          closed_at = now(), closed_by = v_closed_by
        WHERE reservations.generation_id = v_gen;
      v_moved := true;
      outcome := CASE WHEN v_closed_by = 'sweep' THEN 'abandoned' WHEN v_cost > 0 THEN 'settled' ELSE 'released' END;
      IF v_closed_by = 'sweep' THEN
        INSERT INTO usage_records (generation_id, account_id, key_id, model, protocol, endpoint, status, outcome,
                                   input_tokens, output_tokens, cached_input_tokens, cache_write_tokens,
                                   usage_estimated, reserved_micros, cost_micros, overrun_micros, created_at)
          VALUES (v_gen, p_account, v_res.key_id, v_res.model_id,
                  COALESCE((SELECT m.provider::text FROM models m WHERE m.id = v_res.model_id), 'openai')::"Protocol",
                  'unknown', 0, 'abandoned',
                  v_res.delivered_input_tokens, v_res.delivered_output_tokens, v_res.delivered_cached_input_tokens,
                  v_res.delivered_cache_write_tokens,
                  v_res.delivered_input_tokens + v_res.delivered_output_tokens > 0,
                  v_res.amount_micros, v_cost, GREATEST(v_cost - v_res.amount_micros, 0), v_res.created_at)
          ON CONFLICT ON CONSTRAINT usage_records_pkey DO NOTHING;
      END IF;
    ELSIF v_res.closed_by = 'sweep' AND v_cost > 0 THEN
      -- The sweep took the hold (its proxy looked dead) and the request finished after all. A request has at most one
      -- settlement entry (unique per generation and kind): if the sweep charged what the last heartbeat reported, that
      -- charge stands; if it charged nothing, the request's cost is charged now. Either way, once.
      IF v_res.status = 'released' THEN
        v_balance := v_balance - v_cost;
        INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, generation_id)
          VALUES (p_account, 'settlement', -v_cost, v_balance, v_gen);
        v_moved := true;
      END IF;
      SELECT COALESCE(-SUM(l.amount_micros), 0) INTO v_charged
        FROM ledger_entries l WHERE l.generation_id = v_gen AND l.kind = 'settlement';
      UPDATE reservations SET status = 'settled', closed_at = now(), closed_by = 'late_settlement'
        WHERE reservations.generation_id = v_gen;
      outcome := 'late_settled';
    ELSE
      outcome := 'duplicate';
      IF jsonb_typeof(v_item->'usage') = 'object' THEN
        SELECT COALESCE(-SUM(l.amount_micros), 0) INTO v_charged
          FROM ledger_entries l WHERE l.generation_id = v_gen AND l.kind = 'settlement';
      END IF;
    END IF;

    IF v_closed_by <> 'sweep' AND jsonb_typeof(v_item->'usage') = 'object' THEN
      v_held := CASE WHEN v_found THEN v_res.amount_micros ELSE 0 END;
      v_usage := jsonb_populate_record(NULL::usage_records, v_item->'usage');
      v_usage.generation_id := v_gen;
      v_usage.account_id := p_account;
      v_usage.reserved_micros := v_held;
      v_usage.cost_micros := v_charged;
      v_usage.overrun_micros := GREATEST(v_charged - v_held, 0);
      v_usage.created_at := COALESCE(v_usage.created_at, now());
      IF v_found AND v_res.closed_by = 'sweep' THEN
        DELETE FROM usage_records u WHERE u.generation_id = v_gen AND u.outcome = 'abandoned';
      END IF;
      INSERT INTO usage_records SELECT (v_usage).* ON CONFLICT ON CONSTRAINT usage_records_pkey DO NOTHING;
    END IF;
    balance_micros := v_balance;
    RETURN NEXT;
  END LOOP;
  IF v_moved THEN
    UPDATE accounts SET balance_micros = v_balance, reserved_micros = v_reserved, updated_at = now()
      WHERE id = p_account;
  END IF;
END $$;
