-- Worker: reconciliation and usage rollups (issue "P2 · Worker").
--
-- 1. Daily rollups count requests abandoned by a dead proxy (usage records with outcome 'abandoned', status 0, written
--    by the stale sweep) apart from the requests the gateway answered.
-- 2. gw_post: an adjustment continues the ledger's own running balance and re-states the account's stored columns from
--    their sources (balance = the ledger's new running balance, reserved = the open reservations). On a consistent
--    account this is exactly the previous behaviour. On an account whose stored columns drifted from the ledger (a
--    manual edit, a restored backup: writes that bypassed the guards), it is the one way to reconcile it, and only
--    staff can do it (POST /admin/v1/accounts/:id/adjustments, audited). Top-ups are unchanged: on a drifted account
--    the guards still refuse them, until staff have reconciled it.

ALTER TABLE "usage_daily_rollups" ADD COLUMN "abandoned" INTEGER NOT NULL DEFAULT 0;

CREATE OR REPLACE FUNCTION gw_post(p_account uuid, p_kind "LedgerKind", p_amount bigint, p_reference text, p_staff uuid)
RETURNS TABLE (entry_id bigint, balance_micros bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  v_balance bigint;
  v_ledger  bigint;
BEGIN
  IF p_kind NOT IN ('top_up', 'adjustment') THEN
    RAISE EXCEPTION 'gw_post only posts top_up and adjustment entries, not %', p_kind;
  END IF;
  SELECT a.balance_micros INTO v_balance FROM accounts a WHERE a.id = p_account FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'account % not found', p_account USING ERRCODE = 'no_data_found';
  END IF;
  IF p_kind = 'adjustment' THEN
    SELECT l.balance_after_micros INTO v_ledger
      FROM ledger_entries l WHERE l.account_id = p_account ORDER BY l.id DESC LIMIT 1;
    v_balance := COALESCE(v_ledger, 0);
  END IF;
  v_balance := v_balance + p_amount;
  INSERT INTO ledger_entries (account_id, kind, amount_micros, balance_after_micros, reference, staff_id)
    VALUES (p_account, p_kind, p_amount, v_balance, p_reference, p_staff)
    RETURNING id INTO entry_id;
  IF p_kind = 'adjustment' THEN
    UPDATE accounts SET balance_micros = v_balance, updated_at = now(),
        reserved_micros = (SELECT COALESCE(SUM(r.amount_micros), 0) FROM reservations r
                            WHERE r.account_id = p_account AND r.status = 'open')
      WHERE id = p_account;
  ELSE
    UPDATE accounts SET balance_micros = v_balance, updated_at = now() WHERE id = p_account;
  END IF;
  balance_micros := v_balance;
  RETURN NEXT;
END $$;
