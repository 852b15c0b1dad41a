import { readFileSync } from 'node:fs';
import { compareShapes, extractShapes, SNAPSHOT_FILE, type V1Shapes } from '../tools/contracts/v1-shapes';

/**
 * The v1 compatibility rule of libs/contracts, as a test: the committed `v1-shapes.json` is what
 * consumers were promised; the code may add to it, never take away or change. After an allowed
 * addition, `npm run contracts:snapshot` records the new promise.
 */
describe('contracts v1 compatibility', () => {
  const published = JSON.parse(readFileSync(SNAPSHOT_FILE, 'utf8')) as V1Shapes;
  const current = extractShapes();

  it('the code keeps every published v1 type, field, union member and event', () => {
    expect(compareShapes(published, current)).toEqual([]);
  });

  it('the snapshot records everything the code publishes (run `npm run contracts:snapshot` after an addition)', () => {
    expect(current).toEqual(published);
  });

  describe('the rule itself', () => {
    const base: V1Shapes = {
      types: {
        ThingV1: { fields: { id: { type: 'string', optional: false }, note: { type: 'string | null', optional: true } } },
        StatusV1: { members: ['active', 'gone'] },
      },
      events: ['thing.created@1'],
    };
    const clone = (): V1Shapes => JSON.parse(JSON.stringify(base)) as V1Shapes;

    it('allows adding fields, union members, types and events', () => {
      const next = clone();
      next.types.ThingV1.fields!.extra = { type: 'number', optional: false };
      next.types.StatusV1.members!.push('paused');
      next.types.OtherV1 = { fields: {} };
      next.events.push('thing.deleted@1');
      // A field that was optional may become required: consumers still receive it.
      next.types.ThingV1.fields!.note.optional = false;
      expect(compareShapes(base, next)).toEqual([]);
    });

    it('refuses removing, renaming, retyping or loosening a field, dropping a member, a type or an event', () => {
      const next = clone();
      delete next.types.ThingV1.fields!.id;
      next.types.ThingV1.fields!.identifier = { type: 'string', optional: false };
      next.types.ThingV1.fields!.note = { type: 'string', optional: true };
      next.types.StatusV1.members = ['active'];
      next.events = [];
      expect(compareShapes(base, next)).toEqual([
        'event thing.created@1 was removed',
        'ThingV1.id was removed or renamed',
        'ThingV1.note changed type: string | null → string',
        "StatusV1 lost the member 'gone'",
      ]);
      const optional = clone();
      optional.types.ThingV1.fields!.id.optional = true;
      delete optional.types.StatusV1;
      expect(compareShapes(base, optional)).toEqual(['ThingV1.id became optional', 'StatusV1 was removed or renamed']);
    });
  });
});
