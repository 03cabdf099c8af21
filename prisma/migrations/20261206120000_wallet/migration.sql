-- The wallet (issue "P1 · Wallet"): holds and spendable balances in Redis, the ledger written in batches.
--
-- 1. accounts.credit_seq: the number of credits (top-ups, adjustments) posted to the account, incremented by gw_post
--    under the account's row lock. Each credit also writes a wallet_credits row (the outbox) in the same transaction;
--    the admin API applies it to the Redis wallet right after the commit, the worker's relay applies whatever it
--    missed (a crash between the two), and the wallet applies credit n only after n - 1: exactly once, in order.
-- 2. accounts.wallet_seq: the highest settlement event of the account written to the ledger. The wallet numbers each
--    account's settlement events 1, 2, 3...; gw_wallet_apply writes them in that order, so every event up to
--    wallet_seq is in the ledger. Rebuilding the wallet from PostgreSQL is then exact: balance_micros minus the
--    events the wallet still holds above wallet_seq.
-- 3. LedgerKind late_settlement: a request whose hold the sweep had closed (its proxy looked dead, charged what its
--    last heartbeat reported) finishes after all: the difference is charged (or refunded) as a second entry of the
--    same generation. (generation_id, kind) stays unique, so neither can ever be written twice.
-- 4. gw_wallet_apply: a batch of settlement events in one statement sequence: one `settlement` entry per charged
--    request, one usage record per request (a late one replaces an `abandoned` one), balance and wallet_seq updated
--    once per account. Idempotent by generation id.
-- 5. The running-balance guard becomes a statement-level trigger over the inserted rows (a transition table): the
--    same rule (every entry continues the account's previous one) checked once per statement, whatever its size,
--    instead of one plpgsql call and index probe per row. It keeps its name, so that tools disabling it by name
--    (pg_restore --disable-triggers, the books-tampering test helpers) still find it.
-- The request path's gw_reserve / gw_settle are unchanged: proxies not yet on the wallet keep working.

ALTER TYPE "LedgerKind" ADD VALUE IF NOT EXISTS 'late_settlement';

ALTER TABLE "accounts" ADD COLUMN "credit_seq" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "accounts" ADD COLUMN "wallet_seq" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "wallet_credits" (
    "account_id" UUID NOT NULL,
    "seq" BIGINT NOT NULL,
    "amount_micros" BIGINT NOT NULL,
    "ledger_entry_id" BIGINT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "applied_at" TIMESTAMPTZ(3),

    CONSTRAINT "wallet_credits_pkey" PRIMARY KEY ("account_id","seq")
);

-- CreateIndex
CREATE INDEX "wallet_credits_applied_at_created_at_idx" ON "wallet_credits"("applied_at", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "wallet_credits_ledger_entry_id_key" ON "wallet_credits"("ledger_entry_id");

-- AddForeignKey
ALTER TABLE "wallet_credits" ADD CONSTRAINT "wallet_credits_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "wallet_credits" ADD CONSTRAINT "wallet_credits_ledger_entry_id_fkey" FOREIGN KEY ("ledger_entry_id") REFERENCES "ledger_entries"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- The running-balance guard, per statement (see 5. above).
DROP TRIGGER ledger_entries_running_balance ON ledger_entries;
DROP FUNCTION gw_ledger_running_balance();

CREATE FUNCTION gw_ledger_running_balance() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_bad record;
BEGIN
  SELECT n.account_id, n.id, n.amount_micros, n.balance_after_micros,
         COALESCE(CASE WHEN n.rn = 1 THEN p.balance_after_micros ELSE n.previous_in_statement END, 0) AS previous
    INTO v_bad
    FROM (SELECT e.*, row_number() OVER w AS rn, lag(e.balance_after_micros) OVER w AS previous_in_statement
            FROM inserted e WINDOW w AS (PARTITION BY e.account_id ORDER BY e.id)) n
    LEFT JOIN LATERAL (SELECT l.balance_after_micros FROM ledger_entries l
                        WHERE n.rn = 1 AND l.account_id = n.account_id AND l.id < n.id
                        ORDER BY l.id DESC LIMIT 1) p ON true
   WHERE COALESCE(CASE WHEN n.rn = 1 THEN p.balance_after_micros ELSE n.previous_in_statement END, 0)
         + n.amount_micros <> n.balance_after_micros
   LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger entry for account % breaks the running balance: % + % <> %',
      v_bad.account_id, v_bad.previous, v_bad.amount_micros, v_bad.balance_after_micros
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER ledger_entries_running_balance AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION gw_ledger_running_balance();

-- Posts one staff-initiated movement (top-up or adjustment) with its running balance, under the account row lock, and
-- its wallet credit (the outbox row): the change of the stored balance, numbered by accounts.credit_seq.
-- p_wallet_pending: what the wallet holds or has spent beyond the stored balance (open holds and settlements not yet
-- written here, as the caller read them from the wallet under this row lock): a debit may not take the spendable
-- balance below zero, the spendable balance being the stored one minus that.
DROP FUNCTION gw_post(uuid, "LedgerKind", bigint, text, uuid, boolean);

CREATE FUNCTION gw_post(p_account uuid, p_kind "LedgerKind", p_amount bigint, p_reference text, p_staff uuid,
                        p_allow_negative boolean DEFAULT false, p_wallet_pending bigint DEFAULT 0)
RETURNS TABLE (entry_id bigint, balance_micros bigint, credit_seq bigint, credit_micros bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_stored  bigint;
  v_balance bigint;
  v_ledger  bigint;
  v_seq     bigint;
BEGIN
  IF p_kind NOT IN ('top_up', 'adjustment') THEN
    RAISE EXCEPTION 'gw_post only posts top_up and adjustment entries, not %', p_kind;
  END IF;
  SELECT a.balance_micros, a.credit_seq INTO v_stored, v_seq FROM accounts a WHERE a.id = p_account FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'account % not found', p_account USING ERRCODE = 'no_data_found';
  END IF;
  v_balance := v_stored;
  IF p_kind = 'adjustment' THEN
    SELECT l.balance_after_micros INTO v_ledger
      FROM ledger_entries l WHERE l.account_id = p_account ORDER BY l.id DESC LIMIT 1;
    v_balance := COALESCE(v_ledger, 0);
  END IF;
  IF p_amount < 0 AND v_balance - GREATEST(COALESCE(p_wallet_pending, 0), 0) + p_amount < 0
     AND NOT COALESCE(p_allow_negative, false) THEN
    RAISE EXCEPTION 'gw_post: % of % would take account % below zero (balance %)', p_kind, p_amount, p_account, v_balance
      USING ERRCODE = 'GWNEG';
  END IF;
  v_balance := v_balance + p_amount;
  v_seq := v_seq + 1;
  INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, reference, staff_id)
    VALUES (p_account, p_kind, p_amount, v_balance, p_reference, p_staff)
    RETURNING id INTO entry_id;
  IF p_kind = 'adjustment' THEN
    UPDATE accounts SET balance_micros = v_balance, credit_seq = v_seq, updated_at = now(),
        reserved_micros = (SELECT COALESCE(SUM(r.amount_micros), 0) FROM reservations r
                            WHERE r.account_id = p_account AND r.status = 'open')
      WHERE id = p_account;
  ELSE
    UPDATE accounts SET balance_micros = v_balance, credit_seq = v_seq, updated_at = now() WHERE id = p_account;
  END IF;
  INSERT INTO wallet_credits (account_id, seq, amount_micros, ledger_entry_id)
    VALUES (p_account, v_seq, v_balance - v_stored, entry_id);
  balance_micros := v_balance;
  credit_seq := v_seq;
  credit_micros := v_balance - v_stored;
  RETURN NEXT;
END $$;

-- One settlement event on its way into the ledger (gw_wallet_apply's working set; n is its position in the batch).
CREATE TYPE gw_wallet_step AS (
  n bigint, event_id text, account_id uuid, seq bigint, generation_id text, kind text, charge_micros bigint,
  total_micros bigint, held_micros bigint, outcome text, ledger_kind "LedgerKind", balance_after bigint
);

-- Writes a batch of the wallet's settlement events (the ledger writer, apps/worker) in one transaction.
--
-- The batch comes as parallel arrays, one element per event (the cheapest form for PostgreSQL to read: no JSON to
-- parse, no record to populate). The event: p_ids (unique in the batch), p_accounts, p_seqs (the account's event
-- number), p_generations, p_kinds (settle | unheld | abandoned | late), p_charges (what this event moved: positive =
-- debit), p_totals (what the request costs in all), p_helds (its hold), p_emitted (when the wallet emitted it). Its
-- usage record: p_usage_of (whether it has one) and one array per usage_records column; its money columns come from
-- the event, not from the record.
-- Per account, events are written in seq order: an event is written when every earlier one is (seq <= wallet_seq, or
-- the next ones without a gap); after a gap (an earlier event is still with another writer) it is 'deferred' and its
-- writer retries it later. Accounts with an event emitted before p_force_before are written whatever the gaps (a gap
-- that old will not fill: its event was lost). Money moves once per generation: the ledger's (generation_id, kind)
-- key decides, so a redelivered event is a 'duplicate'. Usage records: one per generation; a non-abandoned record
-- replaces an abandoned one (the request finished after the sweep), never the reverse.
-- Returns per event: applied | duplicate | deferred | rejected (no such account).
CREATE FUNCTION gw_wallet_apply(
  p_ids text[], p_accounts uuid[], p_seqs bigint[], p_generations text[], p_kinds text[], p_charges bigint[],
  p_totals bigint[], p_helds bigint[], p_emitted timestamptz[],
  p_usage_of boolean[], p_request_ids text[], p_key_ids uuid[], p_models text[], p_requested_models text[],
  p_protocols text[], p_endpoints text[], p_streams boolean[], p_statuses integer[], p_outcomes text[],
  p_error_types text[], p_input_tokens integer[], p_output_tokens integer[], p_cached_input_tokens integer[],
  p_cache_write_tokens integer[], p_usage_estimated boolean[], p_upstream_statuses integer[], p_channel_ids uuid[],
  p_attempts integer[], p_latencies integer[], p_upstream_latencies integer[], p_created_at timestamptz[],
  p_force_before timestamptz DEFAULT NULL)
RETURNS TABLE (event_id text, outcome text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_plan  gw_wallet_step[];
  v_usage text[];
BEGIN
  -- Lock first, read after: each statement below takes a fresh snapshot, so it sees what the lock waited for.
  PERFORM 1 FROM accounts a WHERE a.id = ANY (p_accounts) ORDER BY a.id FOR UPDATE;

  WITH ev AS (
    SELECT * FROM unnest(p_ids, p_accounts, p_seqs, p_generations, p_kinds, p_charges, p_totals, p_helds, p_emitted)
      WITH ORDINALITY AS e(id, account_id, seq, generation_id, kind, charge_micros, total_micros, held_micros, at, n)
  ),
  ranked AS (
    SELECT ev.*, a.id IS NOT NULL AS known, a.wallet_seq, a.balance_micros,
           ev.seq - dense_rank() OVER (PARTITION BY ev.account_id, ev.seq > a.wallet_seq ORDER BY ev.seq) AS base,
           COALESCE(bool_or(ev.at < p_force_before) OVER (PARTITION BY ev.account_id), false) AS forced
      FROM ev LEFT JOIN accounts a ON a.id = ev.account_id
  ),
  classified AS (
    SELECT r.*,
           CASE WHEN NOT r.known THEN 'rejected'
                WHEN r.seq <= r.wallet_seq OR r.base = r.wallet_seq OR r.forced THEN 'apply'
                ELSE 'deferred' END AS decision,
           (CASE WHEN r.kind = 'late' THEN 'late_settlement' ELSE 'settlement' END)::"LedgerKind" AS kind_of_entry
      FROM ranked r
  ),
  -- Ledger rows to write: charged events of this batch whose generation has no such entry yet (first by seq).
  entries AS (
    SELECT DISTINCT ON (c.generation_id, c.kind_of_entry) c.n
      FROM classified c
     WHERE c.decision = 'apply' AND c.charge_micros <> 0
       AND NOT EXISTS (SELECT 1 FROM ledger_entries l
                        WHERE l.generation_id = c.generation_id AND l.kind = c.kind_of_entry)
     ORDER BY c.generation_id, c.kind_of_entry, c.seq
  ),
  planned AS (
    SELECT c.*, (e.n IS NOT NULL) AS writes_entry,
           c.balance_micros - SUM(CASE WHEN e.n IS NOT NULL THEN c.charge_micros ELSE 0 END)
             OVER (PARTITION BY c.account_id ORDER BY c.seq, c.n ROWS UNBOUNDED PRECEDING) AS running
      FROM classified c LEFT JOIN entries e ON e.n = c.n
  )
  SELECT array_agg(ROW(p.n, p.id, p.account_id, p.seq, p.generation_id, p.kind, p.charge_micros, p.total_micros,
                       p.held_micros, p.decision, CASE WHEN p.writes_entry THEN p.kind_of_entry END,
                       p.running)::gw_wallet_step)
    INTO v_plan FROM planned p;

  INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, generation_id)
  SELECT s.account_id, s.ledger_kind, -s.charge_micros, s.balance_after, s.generation_id
    FROM unnest(v_plan) s WHERE s.ledger_kind IS NOT NULL
   ORDER BY s.account_id, s.seq, s.n;

  -- One usage record per generation: of several events of one generation in this batch, the last one's.
  WITH usage AS (
    SELECT * FROM unnest(p_usage_of, p_request_ids, p_key_ids, p_models, p_requested_models, p_protocols, p_endpoints,
                         p_streams, p_statuses, p_outcomes, p_error_types, p_input_tokens, p_output_tokens,
                         p_cached_input_tokens, p_cache_write_tokens, p_usage_estimated, p_upstream_statuses,
                         p_channel_ids, p_attempts, p_latencies, p_upstream_latencies, p_created_at)
      WITH ORDINALITY AS u(present, request_id, key_id, model, requested_model, protocol, endpoint, stream, status,
                           outcome, error_type, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens,
                           usage_estimated, upstream_status, channel_id, attempts, latency_ms, upstream_latency_ms,
                           created_at, n)
  ),
  chosen AS (
    SELECT DISTINCT ON (s.generation_id) s.*
      FROM unnest(v_plan) s JOIN usage u ON u.n = s.n AND u.present
     WHERE s.outcome = 'apply'
     ORDER BY s.generation_id, s.seq DESC
  ),
  written AS (
    INSERT INTO usage_records (generation_id, request_id, account_id, key_id, model, requested_model, protocol,
                               endpoint, stream, status, outcome, error_type, input_tokens, output_tokens,
                               cached_input_tokens, cache_write_tokens, usage_estimated, reserved_micros, cost_micros,
                               overrun_micros, upstream_status, channel_id, attempts, latency_ms, upstream_latency_ms,
                               created_at)
    SELECT c.generation_id, u.request_id, c.account_id, u.key_id, u.model, u.requested_model, u.protocol::"Protocol",
           u.endpoint, u.stream, u.status, u.outcome, u.error_type, u.input_tokens, u.output_tokens,
           u.cached_input_tokens, u.cache_write_tokens, u.usage_estimated, c.held_micros, c.total_micros,
           GREATEST(c.total_micros - c.held_micros, 0), u.upstream_status, u.channel_id, u.attempts, u.latency_ms,
           u.upstream_latency_ms, COALESCE(u.created_at, now())
      FROM chosen c JOIN usage u ON u.n = c.n
    ON CONFLICT ON CONSTRAINT usage_records_pkey DO UPDATE SET
      request_id = EXCLUDED.request_id, key_id = EXCLUDED.key_id, model = EXCLUDED.model,
      requested_model = EXCLUDED.requested_model, protocol = EXCLUDED.protocol, endpoint = EXCLUDED.endpoint,
      stream = EXCLUDED.stream, status = EXCLUDED.status, outcome = EXCLUDED.outcome,
      error_type = EXCLUDED.error_type, input_tokens = EXCLUDED.input_tokens, output_tokens = EXCLUDED.output_tokens,
      cached_input_tokens = EXCLUDED.cached_input_tokens, cache_write_tokens = EXCLUDED.cache_write_tokens,
      usage_estimated = EXCLUDED.usage_estimated, reserved_micros = EXCLUDED.reserved_micros,
      cost_micros = EXCLUDED.cost_micros, overrun_micros = EXCLUDED.overrun_micros,
      upstream_status = EXCLUDED.upstream_status, channel_id = EXCLUDED.channel_id, attempts = EXCLUDED.attempts,
      latency_ms = EXCLUDED.latency_ms, upstream_latency_ms = EXCLUDED.upstream_latency_ms,
      created_at = EXCLUDED.created_at
    WHERE usage_records.outcome = 'abandoned' AND EXCLUDED.outcome <> 'abandoned'
    RETURNING usage_records.generation_id
  )
  SELECT array_agg(w.generation_id) INTO v_usage FROM written w;

  UPDATE accounts a SET balance_micros = a.balance_micros - d.charged,
                        wallet_seq = GREATEST(a.wallet_seq, d.last_seq), updated_at = now()
    FROM (SELECT s.account_id, COALESCE(SUM(s.charge_micros) FILTER (WHERE s.ledger_kind IS NOT NULL), 0) AS charged,
                 MAX(s.seq) AS last_seq
            FROM unnest(v_plan) s WHERE s.outcome = 'apply' GROUP BY s.account_id) d
   WHERE a.id = d.account_id AND (d.charged <> 0 OR d.last_seq > a.wallet_seq);

  RETURN QUERY
  SELECT s.event_id,
         CASE WHEN s.outcome <> 'apply' THEN s.outcome
              WHEN s.ledger_kind IS NOT NULL OR s.generation_id = ANY (COALESCE(v_usage, '{}')) THEN 'applied'
              ELSE 'duplicate' END
    FROM unnest(v_plan) s;
END $$;
