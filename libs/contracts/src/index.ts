export * from './events/envelope';
export * from './events/user.events';
