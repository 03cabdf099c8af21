-- The google provider (issue "P1 · Surfaces"): Gemini models and their channels, and the gemini wire protocol of the
-- usage records of requests made on the gateway's Gemini routes.
--
-- 1. Provider gains google (channels and models: base URL https://generativelanguage.googleapis.com, an API key) and
--    Protocol gains gemini.
-- 2. gw_native_protocol: the protocol each provider speaks natively (openai -> openai, anthropic -> anthropic,
--    google -> gemini); libs/db's NATIVE_PROTOCOL is the same table, and an integration test keeps them in step.
-- 3. gw_settle's stale sweep wrote the model's provider as the protocol of the 'abandoned' usage record it writes for a
--    request whose proxy died (it does not know the protocol the client spoke): 'google' is no Protocol, so the sweep
--    of a google model's hold would fail and never release it. It now writes the provider's native protocol. Nothing
--    else in gw_settle changes.
--
-- The new enum values are not used by any statement of this migration (PostgreSQL refuses a value added in the same
-- transaction): the PL/pgSQL bodies below read them only when they run.

ALTER TYPE "Provider" ADD VALUE IF NOT EXISTS 'google';
ALTER TYPE "Protocol" ADD VALUE IF NOT EXISTS 'gemini';

CREATE FUNCTION gw_native_protocol(p_provider "Provider") RETURNS "Protocol"
LANGUAGE plpgsql IMMUTABLE STRICT AS $$
BEGIN
  RETURN (CASE p_provider::text WHEN 'google' THEN 'gemini' ELSE p_provider::text END)::"Protocol";
END $$;

-- gw_settle as 20261126000000_hold_heartbeats wrote it (see its comments), but for the sweep's usage record protocol.
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
                  COALESCE((SELECT gw_native_protocol(m.provider) FROM models m WHERE m.id = v_res.model_id), 'openai'),
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
