import { MigrationInterface, QueryRunner } from 'typeorm';

/** Placeholder: the catalog's profile_fields (written by the access work of issue 6). */
export class CatalogProfileFields1795700000001 implements MigrationInterface {
  name = 'CatalogProfileFields1795700000001';

  async up(_q: QueryRunner): Promise<void> {}

  async down(_q: QueryRunner): Promise<void> {}
}
