import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The application role may append entries to the platform chain directly. Before, every platform
 * entry written from a global-scope transaction (each sign-up, login, logout) switched to the
 * platform role and back around its INSERT: two more round trips per audited action. Appending is
 * all it gains — reading the platform chain still needs the platform role, and tenant entries
 * still need their tenant.
 */
export class AuditPlatformAppend1795400000001 implements MigrationInterface {
  name = 'AuditPlatformAppend1795400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE POLICY platform_chain_append ON kernel.audit_log FOR INSERT TO user_engine_app
        WITH CHECK (tenant_id IS NULL AND chain_id = '00000000-0000-0000-0000-000000000000')
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP POLICY platform_chain_append ON kernel.audit_log`);
  }
}
