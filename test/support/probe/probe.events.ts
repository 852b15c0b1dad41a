import { defineEvent } from '@user-engine/contracts';

export const NoteCreated = defineEvent<{ note_id: string; text: string }>('probe.note_created', 1);
export const FlakyHappened = defineEvent<{ fail_times: number }>('probe.flaky', 1);
export const PoisonHappened = defineEvent<{ reason: string }>('probe.poison', 1);
export const SlowHappened = defineEvent<{ label: string }>('probe.slow', 1);
