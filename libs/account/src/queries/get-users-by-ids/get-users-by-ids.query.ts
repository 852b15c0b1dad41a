/** A batch lookup: the users among these ids that exist, ordered by id (at most 1000 ids). */
export class GetUsersByIds {
  constructor(readonly userIds: readonly string[]) {
    if (userIds.length > 1000) throw new RangeError('GetUsersByIds takes at most 1000 ids');
  }
}
