/**
 * The v1 integration-event envelope. Compatibility rule for everything in this package: within v1,
 * fields may be added, never renamed, removed or retyped; an incompatible change is a new version.
 */
export interface EventActorV1 {
  type: 'user' | 'service' | 'system';
  id: string | null;
}

export interface EventEnvelopeV1<P = unknown> {
  /** UUIDv7; also the NATS message id, so consumers can de-duplicate. */
  id: string;
  /** `<aggregate>.<past-tense verb>`, e.g. `user.created`. */
  type: string;
  version: number;
  tenant_id: string | null;
  aggregate: { type: string; id: string };
  actor: EventActorV1 | null;
  request_id: string | null;
  /** ISO 8601 UTC. */
  occurred_at: string;
  payload: P;
}

/** An event type: its name, version and (phantom) payload type. */
export interface EventDefinition<P> {
  readonly type: string;
  readonly version: number;
  new (envelope: EventEnvelopeV1<P>): IntegrationEvent<P>;
}

export class IntegrationEvent<P = unknown> {
  constructor(readonly envelope: EventEnvelopeV1<P>) {}
  get payload(): P {
    return this.envelope.payload;
  }
}

/**
 * Declares an event type. The returned class is what in-process handlers subscribe to
 * (`@EventsHandler(UserCreated)`), and what the dispatcher instantiates for an outbox row.
 */
export function defineEvent<P>(type: string, version: number): EventDefinition<P> {
  const Event = class extends IntegrationEvent<P> {
    static readonly type = type;
    static readonly version = version;
  };
  const pascal = type.replace(/(^|[^a-zA-Z0-9]+)(.)/g, (_, _sep: string, c: string) => c.toUpperCase());
  Object.defineProperty(Event, 'name', { value: `${pascal}V${version}` });
  return Event;
}
