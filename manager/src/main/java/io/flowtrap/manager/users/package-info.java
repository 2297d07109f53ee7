/**
 * Who calls the manager: API keys (hashed at rest, with a role, a probe key bound to its probe),
 * kept in the data directory and shared with the {@code token} command. May use rest-api's token
 * rules; no other feature, no web part.
 */
package io.flowtrap.manager.users;
