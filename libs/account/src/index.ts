// The account module's public surface. The module itself (routes, persistence, commands) arrives
// with issue 3; its password rules are here already.
export * from './domain/password/password-hasher';
export * from './domain/password/password-policy';
