import type { OwnsTransactions } from '@user-engine/kernel';

/** A user by id (deleted accounts included, as tombstones); undefined when there is none. */
export class GetUser implements OwnsTransactions {
  /** Served from the per-process user cache; a database read (its own transaction) only on a miss. */
  readonly ownTransactions = true;

  constructor(readonly userId: string) {}
}
