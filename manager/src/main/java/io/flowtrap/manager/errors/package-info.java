/**
 * The one exception every feature of the manager throws when an operation cannot be done ({@link
 * io.flowtrap.manager.errors.DomainException}), with its kind in the domain's words. Owns no HTTP:
 * statuses are chosen by {@code io.flowtrap.manager.web} alone. Imports nothing but the JDK.
 */
package io.flowtrap.manager.errors;
