package io.flowtrap.manager.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The GUI's users in a real Elasticsearch (indices of this test's own). */
class UserStoreTest {
    private static final Instant T = Instant.parse("2026-12-01T10:00:00Z");
    /** bcrypt's lowest cost, for the tests of what is not the hash's cost (the first test checks the real one) */
    private static final int FAST = 4;
    private static final UsersProperties.Login TWO_TRIES = new UsersProperties.Login(2, Duration.ofMinutes(15));

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

    private UserStore users(int cost) {
        return stores.users(cost);
    }

    @Test
    void aUserGetsAGeneratedPasswordKeptOnlyAsABcryptHash() throws Exception {
        UserStore users = stores.users;
        UserStore.Created created = users.create("ana", Role.ANALYST);

        assertThat(created.password()).matches("[A-Za-z2-9]{20}");
        assertThat(created.user().passwordHash()).startsWith("$2a$" + UserStore.BCRYPT_COST + "$");
        assertThat(es.documents("users")).contains("\"name\":\"ana\"").contains(created.user().passwordHash())
                .doesNotContain(created.password());
        assertThat(users.login("ana", created.password(), T, TWO_TRIES).outcome()).isEqualTo(UserStore.Outcome.SIGNED_IN);
        assertThat(users.login("ana", created.password() + "x", T, TWO_TRIES).outcome()).isEqualTo(UserStore.Outcome.REFUSED);
        assertThat(users.login("bob", created.password(), T, TWO_TRIES).outcome()).as("unknown: the same answer")
                .isEqualTo(UserStore.Outcome.REFUSED);
    }

    @Test
    void repeatedFailuresLockTheUserWhateverThePasswordUntilTheLockoutEnds() throws Exception {
        UserStore users = users(FAST);
        String password = users.create("ana", Role.ADMIN).password();

        assertThat(users.login("ana", "wrong", T, TWO_TRIES).outcome()).isEqualTo(UserStore.Outcome.REFUSED);
        assertThat(users.login("ana", "wrong", T, TWO_TRIES).outcome()).as("the second failure locks")
                .isEqualTo(UserStore.Outcome.LOCKED);
        assertThat(users.login("ana", password, T.plusSeconds(60), TWO_TRIES).outcome()).as("right password, still locked")
                .isEqualTo(UserStore.Outcome.LOCKED);
        try (CommandStores other = es.open()) {
            assertThat(other.users(FAST).find("ana").orElseThrow().lockedUntil())
                    .as("kept in Elasticsearch, so a restart does not lift it").isEqualTo(T.plus(Duration.ofMinutes(15)));
        }
        assertThat(users.find("ana").orElseThrow().lockedUntil()).isEqualTo(T.plus(Duration.ofMinutes(15)));
        assertThat(users.login("ana", password, T.plus(Duration.ofMinutes(15)), TWO_TRIES).outcome())
                .isEqualTo(UserStore.Outcome.SIGNED_IN);
        assertThat(users.find("ana").orElseThrow().failedLogins()).isZero();
    }

    @Test
    void aRightPasswordResetsTheCountOfFailures() throws Exception {
        UserStore users = users(FAST);
        String password = users.create("ana", Role.ANALYST).password();
        assertThat(users.login("ana", "wrong", T, TWO_TRIES).outcome()).isEqualTo(UserStore.Outcome.REFUSED);
        assertThat(users.login("ana", password, T, TWO_TRIES).outcome()).isEqualTo(UserStore.Outcome.SIGNED_IN);
        assertThat(users.login("ana", "wrong", T, TWO_TRIES).outcome()).as("one failure again, not two")
                .isEqualTo(UserStore.Outcome.REFUSED);
    }

    @Test
    void resetPasswordReplacesItAndLiftsTheLockout() throws Exception {
        UserStore users = users(FAST);
        String old = users.create("ana", Role.ANALYST).password();
        users.login("ana", "wrong", T, TWO_TRIES);
        users.login("ana", "wrong", T, TWO_TRIES);
        String fresh = users.resetPassword("ana");
        assertThat(fresh).isNotEqualTo(old);
        assertThat(users.login("ana", fresh, T, TWO_TRIES).outcome()).isEqualTo(UserStore.Outcome.SIGNED_IN);
        assertThat(users.login("ana", old, T, TWO_TRIES).outcome()).isEqualTo(UserStore.Outcome.REFUSED);
        assertThatThrownBy(() -> users.resetPassword("nobody")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void namesRolesAndDuplicatesAreChecked() throws Exception {
        UserStore users = users(FAST);
        assertThatThrownBy(() -> users.create("a b", Role.ANALYST)).hasMessageContaining(User.NAME_RULE);
        assertThatThrownBy(() -> users.create("../x", Role.ANALYST)).hasMessageContaining(User.NAME_RULE);
        assertThatThrownBy(() -> users.create("p", Role.PROBE)).hasMessageContaining("analyst or an admin");
        users.create("ana", Role.ANALYST);
        assertThatThrownBy(() -> users.create("ana", Role.ADMIN)).hasMessageContaining("exists already");
        assertThat(users.list()).hasSize(1);
    }

    @Test
    void everyStoredUserIsListedPastTheIndexsResultWindow() {
        assertThat(stores.users.list()).isEmpty(); // the index exists, with its template
        es.limitResultWindow("users", 50);
        String hash = new org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder(FAST).encode("not used");
        java.util.List<User> made = new java.util.ArrayList<>();
        for (int i = 0; i < 120; i++) {
            made.add(new User(String.format("user%03d", i), i % 2 == 0 ? Role.ANALYST : Role.ADMIN, hash, T, 0, null));
        }
        assertThat(stores.users.importAll(made)).isEqualTo(120);

        assertThat(stores.users.list()).extracting(User::name, User::role)
                .containsExactlyElementsOf(made.stream().map(u -> org.assertj.core.groups.Tuple.tuple(u.name(), u.role())).toList());
    }

    @Test
    void aDeletedUserNoLongerSignsIn() {
        UserStore users = users(FAST);
        String password = users.create("ana", Role.ANALYST).password();
        assertThat(users.delete("ana")).isTrue();
        assertThat(users.delete("ana")).isFalse();
        assertThat(users.login("ana", password, T, TWO_TRIES).outcome()).isEqualTo(UserStore.Outcome.REFUSED);
        assertThat(users.list()).isEmpty();
    }
}
