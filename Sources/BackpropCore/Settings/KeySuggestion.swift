import Foundation

// MARK: - Suggestions

/// Edit distance helpers for "did you mean" suggestions.
public enum KeySuggestion {
    /// The Levenshtein distance between two strings (insertions, deletions, substitutions all cost 1).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = Array(repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    /// The known key closest to `key`, if its distance is at most `max(2, key.count / 3)`;
    /// ties go to the first in `known`. Comparison ignores case and treats `_` as `-`.
    public static func closest(to key: String, in known: [String]) -> String? {
        let normalized = key.lowercased().replacingOccurrences(of: "_", with: "-")
        var best: (String, Int)?
        for candidate in known {
            let distance = editDistance(normalized, candidate.lowercased())
            if best == nil || distance < best!.1 { best = (candidate, distance) }
        }
        guard let best, best.1 <= max(2, key.count / 3) else { return nil }
        return best.0
    }
}
