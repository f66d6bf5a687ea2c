/// The connector definitions built into the binary (the JSON files beside this one, compiled
/// in): usable by name as `"definition": "ada-v2"`.
public enum BuiltInDefinitions {
    /// The names, in the order `list` shows them.
    public static let names = ["ada-v2", "ada-v1.4", "deepconverse"]

    /// A built-in definition's JSON.
    ///
    /// - Parameter name: Its name.
    /// - Returns: The bytes, or nil when there is none of that name.
    public static func bytes(named name: String) -> [UInt8]? {
        switch name {
        case "ada-v2": PackageResources.ada_v2_json
        case "ada-v1.4": PackageResources.ada_v1_4_json
        case "deepconverse": PackageResources.deepconverse_json
        default: nil
        }
    }
}
