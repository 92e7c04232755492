import Mustache

/// Renders the pages from the Mustache templates of `Templates/` (embedded in the binary, so a
/// report never depends on files next to it): `page` (a shop's or the chain's report, with the
/// `table` and `style` partials) and `index` (every report produced so far).
public struct ReportRenderer: Sendable {
    private let library: MustacheLibrary

    public init() throws {
        var templates: [String: MustacheTemplate] = [:]
        for (name, bytes) in [
            ("page", PackageResources.page_mustache), ("table", PackageResources.table_mustache),
            ("style", PackageResources.style_mustache), ("index", PackageResources.index_mustache),
        ] {
            templates[name] = try MustacheTemplate(string: String(decoding: bytes, as: UTF8.self))
        }
        library = MustacheLibrary(templates: templates)
    }

    public func page(_ context: [String: Any]) -> String {
        library.render(context, withTemplate: "page") ?? ""
    }

    public func index(_ context: [String: Any]) -> String {
        library.render(context, withTemplate: "index") ?? ""
    }
}
