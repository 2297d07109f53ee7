/**
 * Share links: one result of {@code results} handed over without a login until the link expires or
 * is revoked or its result is deleted, each open counted, kept and audited; who may hand results over (download roles). Kept
 * in the data dir. May use {@code results}, the audit event, the errors, rest-api's records; no web part.
 */
package io.flowtrap.manager.sharing;
