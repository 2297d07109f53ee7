/** {@code /rest/searches/}: the searches' REST part. */
package io.flowtrap.manager.searches.web;
