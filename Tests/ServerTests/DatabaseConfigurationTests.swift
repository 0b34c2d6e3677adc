import MusrenbangServer
import Testing

@Suite("Database settings from the environment")
struct DatabaseConfigurationTests {
    @Test("MUSRENBANG_DB_PREPARED: on unless set to off; any other word is refused, not taken as either")
    func preparedStatements() throws {
        #expect(try AppConfiguration.fromEnvironment([:]).preparedStatements)
        #expect(try AppConfiguration.fromEnvironment(["MUSRENBANG_DB_PREPARED": "on"]).preparedStatements)
        #expect(try !AppConfiguration.fromEnvironment(["MUSRENBANG_DB_PREPARED": "off"]).preparedStatements)
        #expect(throws: (any Error).self) { try AppConfiguration.fromEnvironment(["MUSRENBANG_DB_PREPARED": "no"]) }
    }

    @Test("MUSRENBANG_DB_CONNECTIONS_PER_LOOP: 4 unless set; a positive whole number only")
    func connectionsPerLoop() throws {
        #expect(try AppConfiguration.fromEnvironment([:]).connectionsPerLoop == 4)
        #expect(try AppConfiguration.fromEnvironment(["MUSRENBANG_DB_CONNECTIONS_PER_LOOP": "8"]).connectionsPerLoop == 8)
        #expect(throws: (any Error).self) { try AppConfiguration.fromEnvironment(["MUSRENBANG_DB_CONNECTIONS_PER_LOOP": "0"]) }
    }
}
