-- Admin API hardening (issue "P1 · Hardening", items 5 and 8).
--
-- 1. gw_post refuses a debit (a negative adjustment) that would take the account's spendable balance below zero,
--    unless the caller says explicitly that it may (p_allow_negative, from the adjustment's "allowNegativeBalance").
--    The check is made here, on the balance read under the account's row lock, so that concurrent debits cannot each
--    pass a check made before the other's write (two -$6 adjustments of a $10 account: one succeeds, one is refused).
--    It raises SQLSTATE GWNEG, which the admin API answers with a 400. Credits (top-ups, positive adjustments, the "0"
--    that re-states a drifted account) are never refused, even on an account that is already below zero.
-- 2. The audit log is filtered by staff member and by target (GET /admin/v1/audit-log?staffId=&target=), newest
--    first: an index for each, ending with the id the pages are ordered by.

DROP FUNCTION gw_post(uuid, "LedgerKind", bigint, text, uuid);

CREATE FUNCTION gw_post(p_account uuid, p_kind "LedgerKind", p_amount bigint, p_reference text, p_staff uuid,
                        p_allow_negative boolean DEFAULT false)
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
  IF p_amount < 0 AND v_balance + p_amount < 0 AND NOT COALESCE(p_allow_negative, false) THEN
    RAISE EXCEPTION 'gw_post: % of % would take account % below zero (balance %)', p_kind, p_amount, p_account, v_balance
      USING ERRCODE = 'GWNEG';
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

-- CreateIndex
CREATE INDEX "audit_log_staff_id_id_idx" ON "audit_log"("staff_id", "id");

-- CreateIndex
CREATE INDEX "audit_log_target_id_idx" ON "audit_log"("target", "id");
