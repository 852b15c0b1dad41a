export * from './events/envelope';
export * from './events/user.events';
export * from './events/tenancy.events';
