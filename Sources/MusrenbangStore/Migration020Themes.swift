extension Migrator {
    /// Thematic musrenbang (musrenbang tematik): an assembly may have a theme (women, children,
    /// people with disabilities, youth); a proposal carries the theme of the thematic session it
    /// joined, or the one a planner or operator gave it. Nil on both is the general musrenbang.
    /// (Version 19 is another branch's step.)
    static let themes = Migration(version: 20, name: "thematic musrenbang", statements: [
        "ALTER TABLE assemblies ADD COLUMN theme TEXT",
        "ALTER TABLE proposals ADD COLUMN theme TEXT",
        "CREATE INDEX proposals_year_theme ON proposals(year, theme)",
    ])
}
