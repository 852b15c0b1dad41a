import type { ApplicationRow } from '../../persistence/applications.repository';

export interface ApplicationView {
  id: string;
  key: string;
  name: string;
  description: string | null;
  status: ApplicationRow['status'];
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
}

export function toApplicationView(a: ApplicationRow): ApplicationView {
  return {
    id: a.id,
    key: a.key,
    name: a.name,
    description: a.description,
    status: a.status,
    created_at: a.created_at.toISOString(),
    updated_at: a.updated_at.toISOString(),
    disabled_at: a.disabled_at ? a.disabled_at.toISOString() : null,
  };
}
