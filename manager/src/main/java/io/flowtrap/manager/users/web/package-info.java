/**
 * The users feature in the GUI: the sign-in page ({@code /login}; Spring Security handles what it
 * posts and {@code /logout}) and the signed-in user's page ({@code /keys}) with their own API keys, made
 * and revoked there. Server-rendered (templates/login.html, keys.html), routed apart from the REST
 * controllers (openapi.yaml documents the API, not the pages). May use {@code users},
 * Spring MVC and Spring Security's view of the caller.
 */
package io.flowtrap.manager.users.web;
