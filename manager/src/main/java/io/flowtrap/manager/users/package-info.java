/**
 * Who calls the manager: API keys (hashed at rest, with a role, a probe key bound to its probe, a
 * user's own key with its owner) and the GUI's users (bcrypt-hashed generated passwords, a lockout
 * after repeated failures), kept in Elasticsearch through Spring Data repositories (the state
 * indices, schemas stored-user and api-key) and shared with the {@code token} and {@code user}
 * commands, which reach the same indices without the manager ({@code elasticsearch.StandaloneState}).
 * Keys are checked from memory, reloaded on a schedule. May use rest-api's token rules, Spring
 * Security's password hashing, the state indices and the errors; no other feature, no web part.
 */
package io.flowtrap.manager.users;
