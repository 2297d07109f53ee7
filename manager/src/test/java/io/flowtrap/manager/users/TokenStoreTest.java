package io.flowtrap.manager.users;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.auth.ApiToken;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenStoreTest {
    @TempDir
    Path dir;

    private TokenStore store() throws Exception {
        return new TokenStore(dir, new ObjectMapper());
    }

    @Test
    void aCreatedKeyAuthenticatesWithItsRoleAndOnlyItsHashIsKept() throws Exception {
        TokenStore store = store();
        TokenStore.Created created = store.create(Role.PROBE, "sensor-1", "rack 4");

        assertThat(created.key()).matches("[0-9a-f]{40}");
        assertThat(created.entry().id()).matches("tk-[0-9a-f]{12}");
        assertThat(created.entry().sha256()).isEqualTo(ApiToken.hash(created.key()));
        assertThat(store.authenticate(created.key())).hasValueSatisfying(e -> {
            assertThat(e.role()).isEqualTo(Role.PROBE);
            assertThat(e.probe()).isEqualTo("sensor-1");
            assertThat(e.label()).isEqualTo("rack 4");
            assertThat(e.id()).isEqualTo(created.entry().id());
        });
        assertThat(store.authenticate(ApiToken.generate())).isEmpty();
        assertThat(store.authenticate(created.entry().sha256())).as("the hash is not a key").isEmpty();

        Path file = dir.resolve("tokens.json");
        String text = Files.readString(file);
        assertThat(text).doesNotContain(created.key()).contains(created.entry().sha256());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("tokens.json", "tokens.lock");
        }
    }

    @Test
    void aRevokedKeyNoLongerAuthenticatesAndOthersStillDo() throws Exception {
        TokenStore store = store();
        TokenStore.Created a = store.create(Role.ANALYST, null, null);
        TokenStore.Created b = store.create(Role.ADMIN, null, "ops");
        assertThat(store.revoke(a.entry().id())).isTrue();
        assertThat(store.authenticate(a.key())).isEmpty();
        assertThat(store.authenticate(b.key()).map(TokenStore.Entry::role)).hasValue(Role.ADMIN);
        assertThat(store.revoke(a.entry().id())).as("already revoked").isFalse();
        assertThat(store.revoke("tk-000000000000")).isFalse();
        assertThat(store.list()).extracting(TokenStore.Entry::id, TokenStore.Entry::active)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(a.entry().id(), false),
                        org.assertj.core.groups.Tuple.tuple(b.entry().id(), true));
        assertThat(store.list().get(0).revoked()).isNotNull();
        assertThat(store.list().get(0).label()).isEmpty();
    }

    @Test
    void anEmptyDirectoryHasNoKeys() throws Exception {
        assertThat(store().list()).isEmpty();
        assertThat(store().authenticate("anything")).isEmpty();
    }

    @Test
    void anotherInstanceSeesWhatTheFirstChanged() throws Exception {
        TokenStore manager = store(); // the running manager
        TokenStore command = store(); // the token command
        assertThat(manager.list()).isEmpty();

        TokenStore.Created created = command.create(Role.ANALYST, null, "alice");
        assertThat(manager.authenticate(created.key()).map(TokenStore.Entry::role)).hasValue(Role.ANALYST);

        assertThat(command.revoke(created.entry().id())).isTrue();
        assertThat(manager.authenticate(created.key())).isEmpty();
    }

    @Test
    void aFileWrittenBeforeKeysWereBoundToProbesStillReadsAndItsProbeKeyNamesNoProbe() throws Exception {
        String key = ApiToken.generate();
        Files.writeString(dir.resolve("tokens.json"), "[{\"id\":\"tk-000000000001\",\"sha256\":\"" + ApiToken.hash(key)
                + "\",\"role\":\"PROBE\",\"label\":\"old\",\"created\":\"2026-11-01T00:00:00Z\",\"revoked\":null}]");
        assertThat(store().authenticate(key)).hasValueSatisfying(e -> {
            assertThat(e.role()).isEqualTo(Role.PROBE);
            assertThat(e.probe()).isNull();
        });
    }
}
