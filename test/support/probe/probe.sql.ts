/** Tables of the test-only probe module, created in a suite's database as the owner. */
export const PROBE_SCHEMA_SQL = `
  CREATE SCHEMA probe;
  GRANT USAGE ON SCHEMA probe TO user_engine_app;
  CREATE TABLE probe.notes (
    tenant_id  uuid NOT NULL,
    id         uuid NOT NULL,
    text       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id)
  );
  SELECT kernel.enable_tenant_rls('probe.notes');
  GRANT SELECT, INSERT, UPDATE, DELETE ON probe.notes TO user_engine_app;
  CREATE TABLE probe.effects (
    seq          bigserial PRIMARY KEY,
    event_id     uuid NOT NULL,
    aggregate_id text NOT NULL,
    handler      text NOT NULL,
    app          text
  );
  GRANT SELECT, INSERT ON probe.effects TO user_engine_app;
  GRANT USAGE ON SEQUENCE probe.effects_seq_seq TO user_engine_app;
`;
