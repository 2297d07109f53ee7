package io.flowtrap.manager.alerts;

/** A document ready for a bulk request: its id, its index and its JSON (serialised once). */
public interface IndexedDocument {
    String id();

    String index();

    String json();
}
