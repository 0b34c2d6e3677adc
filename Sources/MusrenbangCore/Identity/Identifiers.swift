@_exported import Tagged

/// Typed ids: an assembly's id cannot be passed where a proposal's is meant. Each encodes as its
/// plain number in JSON and in the database.
public enum UserTag {}
public enum ProposalTag {}
public enum AssemblyTag {}
public enum QuestionTag {}
public enum CommentTag {}
public enum PollTag {}

public typealias UserID = Tagged<UserTag, Int64>
public typealias ProposalID = Tagged<ProposalTag, Int64>
public typealias AssemblyID = Tagged<AssemblyTag, Int64>
public typealias QuestionID = Tagged<QuestionTag, Int64>
public typealias CommentID = Tagged<CommentTag, Int64>
public typealias PollID = Tagged<PollTag, Int64>
