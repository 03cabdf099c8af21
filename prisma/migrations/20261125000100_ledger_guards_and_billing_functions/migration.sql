-- The ledger is append-only: corrections are new `adjustment` rows, never edits.
CREATE FUNCTION gw_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger_entries is append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER ledger_entries_no_update_delete BEFORE UPDATE OR DELETE ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION gw_ledger_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
  FOR EACH STATEMENT EXECUTE FUNCTION gw_ledger_append_only();

ALTER TABLE reservations ADD CONSTRAINT reservations_amount_positive CHECK (amount_micros > 0);
ALTER TABLE accounts ADD CONSTRAINT accounts_reserved_not_negative CHECK (reserved_micros >= 0);

-- Reserve a batch of holds on one account in one transaction (group commit).
--
-- p_items: [{ "generation_id", "amount_micros", "key_id", "model_id" }, ...] in arrival order.
-- Each hold is accepted only if the spendable balance still covers it after the holds before it (greedy, in order),
-- so concurrent requests can never overdraw an account, however many proxy instances send them: the account row is
-- locked for the duration. A generation id that already has a reservation is reported as accepted and moves nothing
-- (a retried reserve is idempotent).
CREATE FUNCTION gw_reserve(p_account uuid, p_items jsonb, p_instance text)
RETURNS TABLE (generation_id text, accepted boolean, balance_micros bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_balance  bigint;
  v_reserved bigint;
  v_status   "AccountStatus";
  v_item     jsonb;
  v_gen      text;
  v_amount   bigint;
  v_moved    boolean := false;
BEGIN
  SELECT a.balance_micros, a.reserved_micros, a.status INTO v_balance, v_reserved, v_status
    FROM accounts a WHERE a.id = p_account FOR UPDATE;
  FOR v_item IN SELECT value FROM jsonb_array_elements(p_items) LOOP
    v_gen := v_item->>'generation_id';
    v_amount := (v_item->>'amount_micros')::bigint;
    generation_id := v_gen;
    IF v_balance IS NULL OR v_status <> 'active' THEN
      accepted := false;
    ELSIF EXISTS (SELECT 1 FROM reservations r WHERE r.generation_id = v_gen) THEN
      accepted := true;
    ELSIF v_balance >= v_amount THEN
      v_balance := v_balance - v_amount;
      v_reserved := v_reserved + v_amount;
      v_moved := true;
      INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, generation_id)
        VALUES (p_account, 'reservation', -v_amount, v_balance, v_gen);
      INSERT INTO reservations (generation_id, account_id, key_id, model_id, amount_micros, instance_id)
        VALUES (v_gen, p_account, (v_item->>'key_id')::uuid, v_item->>'model_id', v_amount, p_instance);
      accepted := true;
    ELSE
      accepted := false;
    END IF;
    balance_micros := v_balance;
    RETURN NEXT;
  END LOOP;
  IF v_moved THEN
    UPDATE accounts SET balance_micros = v_balance, reserved_micros = v_reserved, updated_at = now()
      WHERE id = p_account;
  END IF;
END $$;

-- Close a batch of reservations on one account in one transaction: release each hold in full and charge the real
-- cost (a cost of 0 is a plain release), and write each request's usage record in the same transaction, so that a
-- usage record never exists without its ledger entries or the reverse.
--
-- p_items: [{ "generation_id", "cost_micros", "closed_by", "usage": { usage_records columns } | null }, ...]
-- Idempotent per generation id: a reservation already settled, or released other than by the stale sweep, moves
-- nothing again. A reservation that the sweep released (its proxy looked dead) and whose request then did finish is
-- charged its cost without a second release.
-- Returns per item: 'settled' | 'released' | 'late_settled' | 'duplicate' | 'missing'.
CREATE FUNCTION gw_settle(p_account uuid, p_items jsonb)
RETURNS TABLE (generation_id text, outcome text, balance_micros bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_balance  bigint;
  v_reserved bigint;
  v_item     jsonb;
  v_gen      text;
  v_cost     bigint;
  v_res      reservations%ROWTYPE;
  v_moved    boolean := false;
BEGIN
  SELECT a.balance_micros, a.reserved_micros INTO v_balance, v_reserved
    FROM accounts a WHERE a.id = p_account FOR UPDATE;
  FOR v_item IN SELECT value FROM jsonb_array_elements(p_items) LOOP
    v_gen := v_item->>'generation_id';
    v_cost := COALESCE((v_item->>'cost_micros')::bigint, 0);
    generation_id := v_gen;
    SELECT * INTO v_res FROM reservations r WHERE r.generation_id = v_gen AND r.account_id = p_account FOR UPDATE;
    IF NOT FOUND THEN
      outcome := 'missing';
    ELSIF v_res.status = 'open' THEN
      v_balance := v_balance + v_res.amount_micros;
      v_reserved := v_reserved - v_res.amount_micros;
      INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, generation_id)
        VALUES (p_account, 'release', v_res.amount_micros, v_balance, v_gen);
      IF v_cost > 0 THEN
        v_balance := v_balance - v_cost;
        INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, generation_id)
          VALUES (p_account, 'settlement', -v_cost, v_balance, v_gen);
        outcome := 'settled';
      ELSE
        outcome := 'released';
      END IF;
      UPDATE reservations SET status = (CASE WHEN v_cost > 0 THEN 'settled' ELSE 'released' END)::"ReservationStatus",
          closed_at = now(), closed_by = COALESCE(v_item->>'closed_by', 'settlement')
        WHERE reservations.generation_id = v_gen;
      v_moved := true;
    ELSIF v_res.status = 'released' AND v_res.closed_by = 'sweep' AND v_cost > 0 THEN
      v_balance := v_balance - v_cost;
      INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, generation_id)
        VALUES (p_account, 'settlement', -v_cost, v_balance, v_gen);
      UPDATE reservations SET status = 'settled', closed_at = now(), closed_by = 'late_settlement'
        WHERE reservations.generation_id = v_gen;
      v_moved := true;
      outcome := 'late_settled';
    ELSE
      outcome := 'duplicate';
    END IF;
    IF outcome <> 'duplicate' AND v_item->'usage' IS NOT NULL AND jsonb_typeof(v_item->'usage') = 'object' THEN
      INSERT INTO usage_records SELECT * FROM jsonb_populate_record(NULL::usage_records, v_item->'usage')
        ON CONFLICT ON CONSTRAINT usage_records_pkey DO NOTHING;
    END IF;
    balance_micros := v_balance;
    RETURN NEXT;
  END LOOP;
  IF v_moved THEN
    UPDATE accounts SET balance_micros = v_balance, reserved_micros = v_reserved, updated_at = now()
      WHERE id = p_account;
  END IF;
END $$;

-- Posts one staff-initiated movement (top-up or adjustment) with its running balance, under the account row lock.
-- Returns the new entry's id and the balance after it.
CREATE FUNCTION gw_post(p_account uuid, p_kind "LedgerKind", p_amount bigint, p_reference text, p_staff uuid)
RETURNS TABLE (entry_id bigint, balance_micros bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_balance bigint;
BEGIN
  IF p_kind NOT IN ('top_up', 'adjustment') THEN
    RAISE EXCEPTION 'gw_post only posts top_up and adjustment entries, not %', p_kind;
  END IF;
  SELECT a.balance_micros INTO v_balance FROM accounts a WHERE a.id = p_account FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'account % not found', p_account USING ERRCODE = 'no_data_found';
  END IF;
  v_balance := v_balance + p_amount;
  INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, reference, staff_id)
    VALUES (p_account, p_kind, p_amount, v_balance, p_reference, p_staff)
    RETURNING id INTO entry_id;
  UPDATE accounts SET balance_micros = v_balance, updated_at = now() WHERE id = p_account;
  balance_micros := v_balance;
  RETURN NEXT;
END $$;
