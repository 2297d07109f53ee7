/**
 * The manager: alerts in Elasticsearch, the Stamus-compatible REST chain, tokens, settings and the web
 * GUI. Built in issue 3, on top of the probe's store and extraction.
 */
package io.flowtrap.manager;
