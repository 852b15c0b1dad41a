export * from './events/envelope';
export * from './events/user.events';
export * from './events/tenancy.events';
export * from './events/application.events';
export * from './events/profile.events';
export * from './events/subscription.events';
export * from './internal/internal-api';
