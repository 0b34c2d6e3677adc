extension Migrator {
    /// Several server processes on one PostgreSQL keep who a token belongs to for a moment
    /// (`SignInCache`): the database announces every change of an account or a token on the channel
    /// `SignInCache.channel` with the account's id, at commit, whichever process or tool made it,
    /// so each process forgets what it kept. A new token needs no notice (nothing kept it yet).
    /// SQLite serves one process and keeps nothing: nothing to announce.
    static let signInNotices = Migration(version: 22, name: "account and token changes announced", statements: [], postgresOnly: [
        """
        CREATE FUNCTION musrenbang_announce_sign_in_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_TABLE_NAME = 'users' THEN
                PERFORM pg_notify('musrenbang_sign_ins', OLD.id::text);
            ELSE
                PERFORM pg_notify('musrenbang_sign_ins', OLD.user_id::text);
            END IF;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER users_sign_in_changed AFTER UPDATE OR DELETE ON users
        FOR EACH ROW EXECUTE FUNCTION musrenbang_announce_sign_in_change()
        """,
        """
        CREATE TRIGGER auth_tokens_sign_in_changed AFTER UPDATE OR DELETE ON auth_tokens
        FOR EACH ROW EXECUTE FUNCTION musrenbang_announce_sign_in_change()
        """,
    ])
}
