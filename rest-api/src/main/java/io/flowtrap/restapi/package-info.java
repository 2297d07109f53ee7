/**
 * The HTTP contract between analysts' scripts, the manager and the probes: DTO records, the OpenAPI
 * document and a typed client. Its content arrives with the manager's REST chain (issue 3).
 */
package io.flowtrap.restapi;
