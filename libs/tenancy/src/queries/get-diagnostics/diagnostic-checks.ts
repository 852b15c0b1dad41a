import { Injectable } from '@nestjs/common';

export interface DiagnosticCheck {
  key: string;
  status: 'ok' | 'warn' | 'fail';
  message: string;
  details: Record<string, unknown>;
}

/** A check another module adds to a tenant's diagnostics (the subscription module: its state). */
export type DiagnosticContributor = (tenantId: string) => Promise<DiagnosticCheck>;

/** Where modules built on tenancy add their checks; they follow tenancy's own, in the order added. */
@Injectable()
export class DiagnosticChecks {
  private readonly contributors: DiagnosticContributor[] = [];

  add(contributor: DiagnosticContributor): void {
    this.contributors.push(contributor);
  }

  run(tenantId: string): Promise<DiagnosticCheck[]> {
    return Promise.all(this.contributors.map((c) => c(tenantId)));
  }
}
