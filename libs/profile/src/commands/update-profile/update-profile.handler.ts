import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ProfileUpdated } from '@user-engine/contracts';
import { AttributeCatalog, AuditLog, OutboxPublisher } from '@user-engine/kernel';
import { applyAttributeChanges, readAttributeChanges } from '../../domain/attributes';
import { applyFieldChanges, GLOBAL_FIELDS, LAYER_FIELDS, readFieldChanges } from '../../domain/profile-fields';
import { ProfilesRepository, type StoredLayer } from '../../persistence/profiles.repository';
import { profileConfig, type ProfileConfig } from '../../profile.config';
import { ProfileErrors } from '../../profile.errors';
import { type EffectiveProfileView, type ProfileView, toEffectiveView, toProfileView } from '../../queries/views';
import { UpdateProfile } from './update-profile.command';

/** A layer overriding nothing (as locking creates one). */
const isEmptyLayer = (layer: StoredLayer) =>
  LAYER_FIELDS.every((f) => (layer.fields[f] ?? null) === null) && !Object.keys(layer.attributes).length;

/**
 * One write of a profile layer: every field and attribute is checked before anything is stored, the
 * row is locked for the read-modify-write, and a write that changes something emits
 * `profile.updated` (names, not values) and is audited — in the tenant's chain for a tenant layer.
 */
@CommandHandler(UpdateProfile)
export class UpdateProfileHandler implements ICommandHandler<UpdateProfile, ProfileView | EffectiveProfileView> {
  constructor(
    private readonly profiles: ProfilesRepository,
    private readonly catalog: AttributeCatalog,
    private readonly outbox: OutboxPublisher,
    private readonly audit: AuditLog,
    @Inject(profileConfig.KEY) private readonly config: ProfileConfig,
  ) {}

  async execute(c: UpdateProfile): Promise<ProfileView | EffectiveProfileView> {
    const layer = c.tenantId ? 'tenant' : 'global';
    const fields = readFieldChanges(c.fields, layer === 'tenant' ? LAYER_FIELDS : GLOBAL_FIELDS, this.config.pictureFormats);
    const attributes = readAttributeChanges(c.attributes, this.catalog, layer);
    const errors = [...fields.errors, ...attributes.errors];
    if (errors.length) throw ProfileErrors.invalid(errors);
    if (!Object.keys(fields.changes).length && !attributes.changes.length) throw ProfileErrors.nothingToChange();

    const current = c.tenantId ? await this.profiles.lockLayer(c.tenantId, c.userId) : await this.profiles.lock(c.userId);
    const nextFields = applyFieldChanges(current.fields, fields.changes);
    const nextAttributes = applyAttributeChanges(current.attributes, attributes.changes);
    const changes = [...nextFields.changed, ...nextAttributes.changed];
    const next = { fields: nextFields.next, attributes: nextAttributes.next };
    let stored: StoredLayer | undefined = current;
    if (changes.length) {
      stored = c.tenantId ? await this.profiles.updateLayer(c.tenantId, c.userId, next) : await this.profiles.update(c.userId, next);
    } else if (c.tenantId && isEmptyLayer(current)) {
      // Locking created the layer for this write; a write that changed nothing must not leave it behind.
      await this.profiles.removeLayer(c.tenantId, c.userId);
      stored = undefined;
    }
    if (changes.length) await this.record(c, layer, changes, stored?.updated_at ?? new Date().toISOString());

    if (!c.tenantId) return toProfileView(c.userId, stored, this.catalog);
    return toEffectiveView(c.tenantId, c.userId, { profile: await this.profiles.find(c.userId), layer: stored }, this.catalog);
  }

  private async record(c: UpdateProfile, layer: 'global' | 'tenant', changes: string[], updatedAt: string): Promise<void> {
    await this.audit.append({
      tenantId: c.tenantId,
      actor: { type: 'user', id: c.actor.userId },
      action: 'profile.updated',
      outcome: 'success',
      resource: { type: 'profile', id: c.userId },
      ip: c.client.ip,
      userAgent: c.client.userAgent,
      data: { layer, changes },
    });
    await this.outbox.publish(ProfileUpdated, {
      tenantId: c.tenantId,
      aggregate: { type: 'profile', id: c.userId },
      actor: { type: 'user', id: c.actor.userId },
      payload: { user_id: c.userId, tenant_id: c.tenantId, layer, changes, updated_at: updatedAt },
    });
  }
}
