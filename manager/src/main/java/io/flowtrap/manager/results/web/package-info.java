/**
 * {@code /rest/results/} (every kind: list by kind and tag, detail, labels, download, delete),
 * {@code /rest/merges/}, {@code /rest/filters/}: the results' REST part. May use {@code results},
 * the download roles of {@code sharing}, the caller from {@code security}, the shared pcap
 * download, the errors, rest-api's records and schemas, Spring MVC.
 */
package io.flowtrap.manager.results.web;
