-- Charged prices pinned per kind (spec/policy.md, "Prices"; README "Prices"). A model's charged price is its upstream
-- price x its markup, rounded up to the micro-dollar; at the default markup 1.05 one charged price in 21 (c mod 21 = 1
-- micro-dollars, "1.00" and "22.00" among them) is reached by no whole upstream price, so PUT /admin/v1/models/:id
-- refused it. Such a price is now stored as a pin: the charged price of that kind, with the upstream price the largest
-- whose charged price does not exceed it. Null (every existing row): upstream x markup, as before.

ALTER TABLE "models" ADD COLUMN "pinned_input_micros_per_mtok" BIGINT,
ADD COLUMN "pinned_output_micros_per_mtok" BIGINT,
ADD COLUMN "pinned_cached_input_micros_per_mtok" BIGINT,
ADD COLUMN "pinned_cache_write_micros_per_mtok" BIGINT;
