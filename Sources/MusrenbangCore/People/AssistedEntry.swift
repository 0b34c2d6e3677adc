/// What staff did for a citizen who was not at the keyboard (pendampingan): registering them,
/// checking them in, entering a proposal in their name. Each is kept in an append-only log the
/// citizen reads on their account page and planners read per village, so an operator's help is
/// never invisible to the person helped. (Supports are a citizen's own: no one gives one for them.)
public enum AssistedKind: String, Sendable, Codable, CaseIterable {
    case registration, checkIn, proposal
}
