import Foundation
import Migrations
import Testing

@Suite struct MigrationCatalogTests {
    /// `Sources/Migrations/SQL`, found from this file's path.
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/Migrations/SQL")

    @Test func catalogListsExactlyTheFilesOfTheFolder() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        #expect(MigrationCatalog.all.map { $0.label + ".sql" } == files)
        for (migration, file) in zip(MigrationCatalog.all, files) {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
            #expect(migration.sql == text, "the embedded copy of \(file) differs from the file")
        }
    }

    @Test func versionsAreUniqueAndIncreasing() {
        let versions = MigrationCatalog.all.map(\.version)
        #expect(versions == versions.sorted())
        #expect(Set(versions).count == versions.count)
    }

    @Test func fileNamesParse() {
        #expect(Migration(fileName: "0007_orders.sql", sql: "")?.version == 7)
        #expect(Migration(fileName: "0007_orders.sql", sql: "")?.name == "orders")
        #expect(Migration(fileName: "0012-stock-ledger.sql", sql: "")?.label == "0012_stock-ledger")
        #expect(Migration(fileName: "orders.sql", sql: "") == nil)
        #expect(Migration(fileName: "0001_x.txt", sql: "") == nil)
    }
}
