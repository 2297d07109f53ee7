package io.flowtrap.manager.users;

import java.time.Instant;
import org.springframework.data.annotation.Id;
import org.springframework.data.elasticsearch.annotations.Document;
import org.springframework.data.elasticsearch.annotations.Field;
import org.springframework.data.elasticsearch.annotations.WriteTypeHint;

/** A {@link User} as kept in Elasticsearch (schema stored-user.schema.json, id = name). */
@Document(indexName = "#{@stateIndices.name('users')}", createIndex = false, writeTypeHint = WriteTypeHint.FALSE)
record StoredUser(@Id String name, Role role, @Field(name = "password_hash") String passwordHash,
        @Field(name = "created_ms") long createdMs, @Field(name = "failed_logins") int failedLogins,
        @Field(name = "locked_until_ms") Long lockedUntilMs) {
    static final String KIND = "users";

    static StoredUser of(User u) {
        return new StoredUser(u.name(), u.role(), u.passwordHash(), u.created().toEpochMilli(), u.failedLogins(),
                u.lockedUntil() == null ? null : u.lockedUntil().toEpochMilli());
    }

    User user() {
        return new User(name, role, passwordHash, Instant.ofEpochMilli(createdMs), failedLogins,
                lockedUntilMs == null ? null : Instant.ofEpochMilli(lockedUntilMs));
    }
}
