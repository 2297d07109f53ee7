package io.flowtrap.manager.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.auth.ApiToken;
import io.flowtrap.manager.errors.DomainException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The keys in a real Elasticsearch (indices of this test's own), as the manager and the token command share them. */
class TokenStoreTest {
    @TempDir
    Path dir;

    private TestElasticsearch es;
    private CommandStores stores;

    @BeforeEach
    void open() {
        es = new TestElasticsearch();
        stores = es.open();
    }

    @AfterEach
    void close() {
        stores.close();
    }

    @Test
    void aCreatedKeyAuthenticatesWithItsRoleAndOnlyItsHashIsKept() {
        TokenStore store = stores.tokens;
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

        String stored = es.documents("keys");
        assertThat(stored).doesNotContain(created.key()).contains(created.entry().sha256()).contains("\"probe\":\"sensor-1\"");
        String mapping = es.node.request("GET", "/" + es.prefix + "keys/_mapping", null).body();
        assertThat(mapping).as("the index template from api-key.schema.json").contains("\"created_ms\":{\"type\":\"date\"");
    }

    @Test
    void aRevokedKeyNoLongerAuthenticatesAndOthersStillDo() {
        TokenStore store = stores.tokens;
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
    void everyStoredKeyIsReadBackPastTheIndexsResultWindow() {
        assertThat(stores.tokens.list()).isEmpty(); // the index exists, with its template
        es.limitResultWindow("keys", 50);
        java.util.List<TokenStore.Created> made = new java.util.ArrayList<>();
        for (int i = 0; i < 120; i++) {
            made.add(stores.tokens.create(Role.ANALYST, null, "key " + i));
        }

        try (CommandStores manager = es.open()) {
            assertThat(manager.tokens.reload()).isEqualTo(120);
            assertThat(made).allSatisfy(c -> assertThat(manager.tokens.authenticate(c.key()))
                    .as("key %s", c.entry().label()).map(TokenStore.Entry::id).hasValue(c.entry().id()));
            assertThat(manager.tokens.list()).extracting(TokenStore.Entry::id)
                    .containsExactlyElementsOf(made.stream().map(c -> c.entry().id()).toList());
        }
    }

    @Test
    void aFreshIndexHasNoKeys() {
        assertThat(stores.tokens.list()).isEmpty();
        assertThat(stores.tokens.reload()).isZero();
        assertThat(stores.tokens.authenticate("anything")).isEmpty();
    }

    @Test
    void theManagerSeesWhatTheCommandChangedAtItsNextReloadAndKnownKeysNeedNoElasticsearch() {
        TokenStore manager = stores.tokens;
        try (CommandStores command = es.open()) {
            TokenStore.Created created = command.tokens.create(Role.ANALYST, null, "alice");
            assertThat(manager.authenticate(created.key())).as("not read yet").isEmpty();
            assertThat(manager.reload()).isEqualTo(1);
            assertThat(manager.authenticate(created.key()).map(TokenStore.Entry::role)).hasValue(Role.ANALYST);

            TokenStore.Created own = manager.createOwn("ana", Role.ANALYST, "mine");
            assertThat(manager.authenticate(own.key())).as("a change made here: at once").isPresent();
            assertThat(manager.ownedBy("ana")).extracting(TokenStore.Entry::id).containsExactly(own.entry().id());

            // the index gone (as Elasticsearch unreachable would be to a read): the keys in memory still answer
            es.node.request("DELETE", "/" + es.prefix + "keys", null);
            assertThatThrownBy(manager::reload).isInstanceOf(DomainException.class).hasMessageContaining("Elasticsearch unavailable");
            assertThat(manager.authenticate(created.key())).as("the keys in memory stay").isPresent();

            assertThat(command.tokens.create(Role.ADMIN, null, "recreates the index")).isNotNull();
            assertThat(manager.reload()).isEqualTo(1);
            assertThat(manager.authenticate(created.key())).as("what is stored is what counts, once read").isEmpty();
        }
    }

    @Test
    void theOldFilesAreImportedOnceAndAnOldUnboundProbeKeyNamesNoProbe() throws Exception {
        String key = ApiToken.generate();
        Files.writeString(dir.resolve("tokens.json"), "[{\"id\":\"tk-000000000001\",\"sha256\":\"" + ApiToken.hash(key)
                + "\",\"role\":\"PROBE\",\"label\":\"old\",\"created\":\"2026-11-01T00:00:00Z\",\"revoked\":null}]");
        String hash = new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder(4).encode("old password");
        Files.writeString(dir.resolve("users.json"), "[{\"name\":\"ana\",\"role\":\"ADMIN\",\"passwordHash\":\"" + hash
                + "\",\"created\":\"2026-11-01T00:00:00Z\",\"failedLogins\":1,\"lockedUntil\":null}]");
        new LegacyFilesImport(dir, new ObjectMapper()).run(stores.users, stores.tokens);

        assertThat(dir.resolve("tokens.json")).doesNotExist();
        assertThat(dir.resolve("tokens.json.imported")).exists();
        assertThat(dir.resolve("users.json.imported")).exists();
        assertThat(stores.tokens.reload()).isEqualTo(1);
        assertThat(stores.tokens.authenticate(key)).hasValueSatisfying(e -> {
            assertThat(e.role()).isEqualTo(Role.PROBE);
            assertThat(e.probe()).isNull();
            assertThat(e.created()).isEqualTo("2026-11-01T00:00:00Z");
        });
        assertThat(stores.users.login("ana", "old password", java.time.Instant.now(), new UsersProperties.Login(5,
                java.time.Duration.ofMinutes(15))).outcome()).isEqualTo(UserStore.Outcome.SIGNED_IN);

        new LegacyFilesImport(dir, new ObjectMapper()).run(stores.users, stores.tokens);
        assertThat(stores.tokens.list()).as("nothing imported twice").hasSize(1);
    }
}
