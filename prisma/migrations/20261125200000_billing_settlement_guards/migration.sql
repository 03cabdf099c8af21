-- Billing engine hardening (issue "P1 · Billing").
--
-- 1. The ledger guards its own arithmetic: every entry's running balance must continue the account's previous entry,
--    and accounts.balance_micros must always equal the latest running balance (= SUM of the ledger). A bug in any
--    writer (a function, a migration, a hand-written fix) fails its transaction instead of silently drifting.
-- 2. gw_reserve refuses malformed items (no generation id, amount <= 0) instead of storing them.
-- 3. gw_settle decides the money fields of the usage record itself (reserved, cost, overrun = what the ledger moved),
--    so a usage record always matches its ledger entries, also for retries and late settlements; it writes the usage
--    record of a request whatever the outcome (a close of a reservation the sweep already released included); and the
--    stale sweep leaves an 'abandoned' usage record that the request's own settlement replaces if it ever arrives.
-- 4. gw_reserve_many / gw_settle_many: the group commit spans accounts (one commit for a batch of many accounts).

CREATE FUNCTION gw_ledger_running_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_previous bigint;
BEGIN
  SELECT l.balance_after_micros INTO v_previous
    FROM ledger_entries l WHERE l.account_id = NEW.account_id ORDER BY l.id DESC LIMIT 1;
  IF COALESCE(v_previous, 0) + NEW.amount_micros <> NEW.balance_after_micros THEN
    RAISE EXCEPTION 'ledger entry for account % breaks the running balance: % + % <> %',
      NEW.account_id, COALESCE(v_previous, 0), NEW.amount_micros, NEW.balance_after_micros
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER ledger_entries_running_balance BEFORE INSERT ON ledger_entries
  FOR EACH ROW EXECUTE FUNCTION gw_ledger_running_balance();

CREATE FUNCTION gw_account_balance_matches_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_ledger bigint;
BEGIN
  SELECT l.balance_after_micros INTO v_ledger
    FROM ledger_entries l WHERE l.account_id = NEW.id ORDER BY l.id DESC LIMIT 1;
  IF NEW.balance_micros <> COALESCE(v_ledger, 0) THEN
    RAISE EXCEPTION 'balance of account % (%) differs from its ledger (%)', NEW.id, NEW.balance_micros, COALESCE(v_ledger, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER accounts_balance_matches_ledger BEFORE INSERT OR UPDATE OF balance_micros ON accounts
  FOR EACH ROW EXECUTE FUNCTION gw_account_balance_matches_ledger();

-- Reserve a batch of holds on one account in one transaction (group commit).
--
-- p_items: [{ "generation_id", "amount_micros", "key_id", "model_id" }, ...] in arrival order.
-- Each hold is accepted only if the spendable balance still covers it after the holds before it (greedy, in order),
-- so concurrent requests can never overdraw an account, however many proxy instances send them: the account row is
-- locked for the duration. A generation id that already has a reservation on this account is reported as accepted
-- and moves nothing (a retried reserve is idempotent).
CREATE OR REPLACE FUNCTION gw_reserve(p_account uuid, p_items jsonb, p_instance text)
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
    IF v_gen IS NULL OR v_amount IS NULL OR v_amount <= 0 THEN
      RAISE EXCEPTION 'gw_reserve: each item needs a generation_id and a positive amount_micros (got %)', v_item
        USING ERRCODE = 'check_violation';
    END IF;
    generation_id := v_gen;
    IF v_balance IS NULL OR v_status <> 'active' THEN
      accepted := false;
    ELSIF EXISTS (SELECT 1 FROM reservations r WHERE r.generation_id = v_gen) THEN
      accepted := EXISTS (SELECT 1 FROM reservations r WHERE r.generation_id = v_gen AND r.account_id = p_account);
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
-- closed_by: 'settlement' | 'release' (the request's own close) | 'sweep' (stale, by the worker; cost 0, no usage).
-- Idempotent per generation id: a reservation already settled, or released other than by the stale sweep, moves
-- nothing again. A reservation that the sweep released (its proxy looked dead) and whose request then did finish is
-- charged its cost without a second release ('late_settled').
-- The usage record's reserved_micros, cost_micros and overrun_micros are what the ledger holds for the generation,
-- whatever the caller sent. A sweep writes an 'abandoned' usage record (status 0: the client got no answer from us),
-- replaced by the request's own record if its close arrives later.
-- Returns per item: 'settled' | 'released' | 'late_settled' | 'duplicate' | 'missing'.
CREATE OR REPLACE FUNCTION gw_settle(p_account uuid, p_items jsonb)
RETURNS TABLE (generation_id text, outcome text, balance_micros bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_balance   bigint;
  v_reserved  bigint;
  v_item      jsonb;
  v_gen       text;
  v_cost      bigint;
  v_closed_by text;
  v_res       reservations%ROWTYPE;
  v_found     boolean;
  v_charged   bigint;
  v_held      bigint;
  v_usage     usage_records%ROWTYPE;
  v_moved     boolean := false;
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
    IF v_gen IS NULL OR v_cost < 0 OR v_closed_by NOT IN ('settlement', 'release', 'sweep')
       OR (v_closed_by = 'sweep' AND v_cost <> 0) THEN
      RAISE EXCEPTION 'gw_settle: malformed item %', v_item USING ERRCODE = 'check_violation';
    END IF;
    generation_id := v_gen;
    v_charged := 0;
    SELECT * INTO v_res FROM reservations r WHERE r.generation_id = v_gen AND r.account_id = p_account FOR UPDATE;
    v_found := FOUND;
    IF NOT v_found THEN
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
      v_charged := v_cost;
      UPDATE reservations SET status = (CASE WHEN v_cost > 0 THEN 'settled' ELSE 'released' END)::"ReservationStatus",
          closed_at = now(), closed_by = v_closed_by
        WHERE reservations.generation_id = v_gen;
      v_moved := true;
    ELSIF v_res.status = 'released' AND v_res.closed_by = 'sweep' AND v_closed_by <> 'sweep' AND v_cost > 0 THEN
      v_balance := v_balance - v_cost;
      INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, generation_id)
        VALUES (p_account, 'settlement', -v_cost, v_balance, v_gen);
      UPDATE reservations SET status = 'settled', closed_at = now(), closed_by = 'late_settlement'
        WHERE reservations.generation_id = v_gen;
      v_charged := v_cost;
      v_moved := true;
      outcome := 'late_settled';
    ELSE
      outcome := 'duplicate';
      IF jsonb_typeof(v_item->'usage') = 'object' THEN
        SELECT COALESCE(-SUM(l.amount_micros), 0) INTO v_charged
          FROM ledger_entries l WHERE l.generation_id = v_gen AND l.kind = 'settlement';
      END IF;
    END IF;

    IF jsonb_typeof(v_item->'usage') = 'object' THEN
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
    ELSIF outcome = 'released' AND v_closed_by = 'sweep' THEN
      INSERT INTO usage_records (generation_id, account_id, key_id, model, protocol, endpoint, status, outcome,
                                 reserved_micros, created_at)
        VALUES (v_gen, p_account, v_res.key_id, v_res.model_id,
                COALESCE((SELECT m.provider::text FROM models m WHERE m.id = v_res.model_id), 'openai')::"Protocol",
                'unknown', 0, 'abandoned', v_res.amount_micros, v_res.created_at)
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

-- Group commit across accounts: one transaction (one round trip, one commit) for the holds or settlements of many
-- accounts. p_groups: [{ "account_id", "items": [gw_reserve / gw_settle items, in arrival order] }, ...]. Accounts are
-- taken in ascending id order, so that two batches sharing accounts lock them in the same order and cannot deadlock.
CREATE FUNCTION gw_reserve_many(p_groups jsonb, p_instance text)
RETURNS TABLE (account_id uuid, generation_id text, accepted boolean, balance_micros bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_group jsonb;
  v_account uuid;
BEGIN
  FOR v_group IN SELECT value FROM jsonb_array_elements(p_groups) ORDER BY (value->>'account_id')::uuid LOOP
    v_account := (v_group->>'account_id')::uuid;
    RETURN QUERY SELECT v_account, r.generation_id, r.accepted, r.balance_micros
      FROM gw_reserve(v_account, v_group->'items', p_instance) r;
  END LOOP;
END $$;

CREATE FUNCTION gw_settle_many(p_groups jsonb)
RETURNS TABLE (account_id uuid, generation_id text, outcome text, balance_micros bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_group jsonb;
  v_account uuid;
BEGIN
  FOR v_group IN SELECT value FROM jsonb_array_elements(p_groups) ORDER BY (value->>'account_id')::uuid LOOP
    v_account := (v_group->>'account_id')::uuid;
    RETURN QUERY SELECT v_account, s.generation_id, s.outcome, s.balance_micros
      FROM gw_settle(v_account, v_group->'items') s;
  END LOOP;
END $$;
