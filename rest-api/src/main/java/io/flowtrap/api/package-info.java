/**
 * The HTTP contract between analysts' scripts, the manager and the probes: the documents exchanged
 * (records serialised by Jackson), the names that may travel in a URL, and the token and TLS rules
 * both ends apply. Depends on nothing but the JDK and Jackson's annotations.
 */
package io.flowtrap.api;
