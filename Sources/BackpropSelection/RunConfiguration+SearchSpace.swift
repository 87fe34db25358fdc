import BackpropRecipes

extension RunConfiguration {

    /// The parsed `search:` block, or `nil` when the file has none. See ``SearchSpace``.
    public func searchSpace() throws -> SearchSpace? {
        guard let searchBlock else { return nil }
        return try SearchSpace.parse(searchBlock, file: file)
    }
}
