/**
 * Who calls the manager: API keys (hashed at rest, with a role, a probe key bound to its probe, a
 * user's own key with its owner) and the GUI's users (bcrypt-hashed generated passwords, a lockout
 * after repeated failures), kept in the data directory and shared with the {@code token} and
 * {@code user} commands. May use rest-api's token rules and Spring Security's password hashing; no
 * other feature, no web part.
 */
package io.flowtrap.manager.users;
