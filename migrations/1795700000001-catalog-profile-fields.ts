import { MigrationInterface, QueryRunner } from 'typeorm';

/** The standard profile fields an application reads in its projection, part of each catalog version. */
export class CatalogProfileFields1795700000001 implements MigrationInterface {
  name = 'CatalogProfileFields1795700000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access.catalog_versions ADD COLUMN profile_fields text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE access.catalog_versions DROP COLUMN profile_fields`);
  }
}
