/**
 * {@code /rest/results/} (every kind: list by kind and tag, detail, labels, download, delete),
 * {@code /rest/merges/}, {@code /rest/filters/}: the results' REST part; and the Results pages
 * ({@code /results}: the list by tag, merge; a result's page: download, tags and comment, filter,
 * share links, Delete). May use {@code results}, {@code sharing} (its links and download roles), the caller
 * from {@code security}, the shared pcap download, the navigation bar, the errors, rest-api's
 * records and schemas, Spring MVC.
 */
package io.flowtrap.manager.results.web;
