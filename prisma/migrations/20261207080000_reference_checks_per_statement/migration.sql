-- The foreign keys of the two tables written once per request (usage_records -> accounts and api_keys,
-- ledger_entries -> accounts) replaced by an equivalent guarantee that costs PostgreSQL less per row.
--
-- A foreign key checks every inserted row on its own (a per-row trigger running `SELECT 1 ... FOR KEY SHARE` on the
-- referenced row): about 10 µs of the ledger writer's ~50 µs per settlement event (gw_wallet_apply's batches, replayed
-- 8 times each way; bench/results/profile-notes.md). The same two promises, kept more cheaply:
-- 1. Every row refers to an account (and a key) that exists: checked once per statement, over the statement's new
--    rows (their distinct accounts and keys), by the triggers below; an INSERT ... ON CONFLICT DO UPDATE is checked
--    on the rows it updated too. A violation raises foreign_key_violation, as the constraint did, and nothing is written.
-- 2. A referenced row never goes away: accounts and API keys are never deleted (a key is revoked, an account closed,
--    and the books keep their history), and their ids never change. That is now enforced for every row, referenced or
--    not: DELETE, TRUNCATE and a changed id raise. With nothing ever removed, the row lock a foreign key takes on the
--    referenced row (against a concurrent delete) has nothing left to guard.

ALTER TABLE usage_records DROP CONSTRAINT usage_records_account_id_fkey;
ALTER TABLE usage_records DROP CONSTRAINT usage_records_key_id_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_account_id_fkey;

CREATE FUNCTION gw_rows_refer_to_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT r.account_id FROM gw_new_rows r) n
              WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = n.account_id)) THEN
    RAISE EXCEPTION '% refers to an account that does not exist', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE FUNCTION gw_rows_refer_to_keys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM (SELECT DISTINCT r.account_id, r.key_id FROM gw_new_rows r) n
              WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = n.account_id)
                 OR NOT EXISTS (SELECT 1 FROM api_keys k WHERE k.id = n.key_id)) THEN
    RAISE EXCEPTION '% refers to an account or API key that does not exist', TG_TABLE_NAME
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER ledger_entries_account_exists AFTER INSERT ON ledger_entries
  REFERENCING NEW TABLE AS gw_new_rows FOR EACH STATEMENT EXECUTE FUNCTION gw_rows_refer_to_accounts();
CREATE TRIGGER usage_records_account_and_key_exist_on_insert AFTER INSERT ON usage_records
  REFERENCING NEW TABLE AS gw_new_rows FOR EACH STATEMENT EXECUTE FUNCTION gw_rows_refer_to_keys();
CREATE TRIGGER usage_records_account_and_key_exist_on_update AFTER UPDATE ON usage_records
  REFERENCING NEW TABLE AS gw_new_rows FOR EACH STATEMENT EXECUTE FUNCTION gw_rows_refer_to_keys();

CREATE FUNCTION gw_row_is_permanent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.id IS NOT DISTINCT FROM OLD.id THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% rows are permanent: the ledger and usage records refer to them (% refused)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END $$;

CREATE TRIGGER accounts_permanent BEFORE DELETE OR UPDATE OF id ON accounts
  FOR EACH ROW EXECUTE FUNCTION gw_row_is_permanent();
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON accounts
  FOR EACH STATEMENT EXECUTE FUNCTION gw_row_is_permanent();
CREATE TRIGGER api_keys_permanent BEFORE DELETE OR UPDATE OF id ON api_keys
  FOR EACH ROW EXECUTE FUNCTION gw_row_is_permanent();
CREATE TRIGGER api_keys_no_truncate BEFORE TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION gw_row_is_permanent();
