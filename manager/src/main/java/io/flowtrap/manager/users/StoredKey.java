package io.flowtrap.manager.users;

import java.time.Instant;
import org.springframework.data.annotation.Id;
import org.springframework.data.elasticsearch.annotations.Document;
import org.springframework.data.elasticsearch.annotations.Field;
import org.springframework.data.elasticsearch.annotations.WriteTypeHint;

/** A {@link TokenStore.Entry} as kept in Elasticsearch (schema api-key.schema.json, id = the key's id). */
@Document(indexName = "#{@stateIndices.name('keys')}", createIndex = false, writeTypeHint = WriteTypeHint.FALSE)
record StoredKey(@Id String id, String sha256, Role role, String probe, String label, String owner,
        @Field(name = "created_ms") long createdMs, @Field(name = "revoked_ms") Long revokedMs) {
    static final String KIND = "keys";

    static StoredKey of(TokenStore.Entry e) {
        return new StoredKey(e.id(), e.sha256(), e.role(), e.probe(), e.label() == null ? "" : e.label(), e.owner(),
                e.created().toEpochMilli(), e.revoked() == null ? null : e.revoked().toEpochMilli());
    }

    TokenStore.Entry entry() {
        return new TokenStore.Entry(id, sha256, role, probe, label, Instant.ofEpochMilli(createdMs),
                revokedMs == null ? null : Instant.ofEpochMilli(revokedMs), owner);
    }
}
