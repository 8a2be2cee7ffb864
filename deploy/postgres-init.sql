-- Runs once, when the PostgreSQL volume is first initialised: Inngest keeps its state in its own
-- database on the same server (INNGEST_POSTGRES_URI in compose.yaml).
CREATE DATABASE inngest OWNER malipo;
