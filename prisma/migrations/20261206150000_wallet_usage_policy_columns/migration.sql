-- The wallet's ledger writer writes the usage record's policy columns (provider, reasoning_tokens,
-- upstream_cost_micros, finish_reason; migration 20261206140000_policy). gw_wallet_apply was written before they
-- existed and left them null in every record a wallet proxy settled: with BILLING_STORE=wallet, usage reports lost the
-- reasoning tokens, the upstream cost and the stop reason the proxy had recorded. Same function, four more arrays (one
-- per column, null where the record has none), the rest unchanged.
DROP FUNCTION gw_wallet_apply(
  text[], uuid[], bigint[], text[], text[], bigint[], bigint[], bigint[], timestamptz[], boolean[], text[], uuid[],
  text[], text[], text[], text[], boolean[], integer[], text[], text[], integer[], integer[], integer[], integer[],
  boolean[], integer[], uuid[], integer[], integer[], integer[], timestamptz[], timestamptz);

CREATE FUNCTION gw_wallet_apply(
  p_ids text[], p_accounts uuid[], p_seqs bigint[], p_generations text[], p_kinds text[], p_charges bigint[],
  p_totals bigint[], p_helds bigint[], p_emitted timestamptz[],
  p_usage_of boolean[], p_request_ids text[], p_key_ids uuid[], p_models text[], p_requested_models text[],
  p_protocols text[], p_endpoints text[], p_streams boolean[], p_statuses integer[], p_outcomes text[],
  p_error_types text[], p_input_tokens integer[], p_output_tokens integer[], p_cached_input_tokens integer[],
  p_cache_write_tokens integer[], p_usage_estimated boolean[], p_upstream_statuses integer[], p_channel_ids uuid[],
  p_attempts integer[], p_latencies integer[], p_upstream_latencies integer[], p_created_at timestamptz[],
  p_providers text[], p_reasoning_tokens integer[], p_upstream_costs bigint[], p_finish_reasons text[],
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
                         p_channel_ids, p_attempts, p_latencies, p_upstream_latencies, p_created_at, p_providers,
                         p_reasoning_tokens, p_upstream_costs, p_finish_reasons)
      WITH ORDINALITY AS u(present, request_id, key_id, model, requested_model, protocol, endpoint, stream, status,
                           outcome, error_type, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens,
                           usage_estimated, upstream_status, channel_id, attempts, latency_ms, upstream_latency_ms,
                           created_at, provider, reasoning_tokens, upstream_cost_micros, finish_reason, n)
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
                               created_at, provider, reasoning_tokens, upstream_cost_micros, finish_reason)
    SELECT c.generation_id, u.request_id, c.account_id, u.key_id, u.model, u.requested_model, u.protocol::"Protocol",
           u.endpoint, u.stream, u.status, u.outcome, u.error_type, u.input_tokens, u.output_tokens,
           u.cached_input_tokens, u.cache_write_tokens, u.usage_estimated, c.held_micros, c.total_micros,
           GREATEST(c.total_micros - c.held_micros, 0), u.upstream_status, u.channel_id, u.attempts, u.latency_ms,
           u.upstream_latency_ms, COALESCE(u.created_at, now()), u.provider::"Provider", u.reasoning_tokens,
           u.upstream_cost_micros, u.finish_reason
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
      created_at = EXCLUDED.created_at, provider = EXCLUDED.provider, reasoning_tokens = EXCLUDED.reasoning_tokens,
      upstream_cost_micros = EXCLUDED.upstream_cost_micros, finish_reason = EXCLUDED.finish_reason
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
