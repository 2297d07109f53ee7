/**
 * The settings feature's pages: a probe's Settings tab, Templates, Pending modifications with
 * Apply changes and the tasks. May use settings, probes, errors, Spring MVC's functional routes,
 * the GUI's navigation.
 */
package io.flowtrap.manager.settings.web;
