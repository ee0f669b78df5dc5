import { or } from 'graphql-shield';
import { isAdmin } from './is-admin.rule.js';
import { isAgent } from './is-agent.rule.js';

/**
 * The caller holds any valid key: an admin's or an agent's. When neither rule passes, shield reports
 * the first rule's error, which for a caller without a key is UNAUTHENTICATED.
 */
export const isSignedIn = or(isAdmin, isAgent);
