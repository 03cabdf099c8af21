-- Cross-provider failover: a model's link to a channel names the model as that channel's provider knows it. Null keeps
-- the model's own upstream name; a link to a channel of another provider than the model's must set it (admin API).
ALTER TABLE "model_channels" ADD COLUMN "upstream_model" TEXT;
