/** {@code /rest/merges/}, {@code /rest/filters/}, {@code /rest/results/}: the results' REST part. */
package io.flowtrap.manager.results.web;
