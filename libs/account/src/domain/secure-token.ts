// The account module's tokens and addresses use the kernel's helpers (shared with invitations).
export { hashSecureToken, newSecureToken, normaliseEmail } from '@user-engine/kernel';
