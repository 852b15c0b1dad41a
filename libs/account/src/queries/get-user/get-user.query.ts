/** A user by id (deleted accounts included, as tombstones); undefined when there is none. */
export class GetUser {
  constructor(readonly userId: string) {}
}
